"""Running wrk and reading its numbers: requests per second and the 50th/99th latency percentiles.

A request body list becomes a generated Lua script that sends the bodies in turn (each wrk thread starting
at its own offset), so that a run can rotate over many certificates.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import msgspec

CONNECTIONS: Final = 64
THREADS: Final = 2
_UNITS: Final = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class Sample(msgspec.Struct, frozen=True):
    rps: float
    p50_ms: float
    p99_ms: float

    @staticmethod
    def median(samples: Sequence[Sample]) -> Sample:
        return Sample(
            statistics.median(s.rps for s in samples),
            statistics.median(s.p50_ms for s in samples),
            statistics.median(s.p99_ms for s in samples),
        )


def _lua(bodies: Sequence[str]) -> str:
    def quote(text: str) -> str:
        return "[==[" + text + "]==]"

    table = ",\n".join(quote(b) for b in bodies)
    return f"""
local bodies = {{
{table}
}}
local n = #bodies
local counter = 0
local offset = 0
local thread_no = 0
function setup(thread)
  thread:set("offset", thread_no * math.floor(n / {THREADS}))
  thread_no = thread_no + 1
end
function init(args)
  offset = offset or 0
end
function request()
  counter = counter + 1
  local body = bodies[((offset + counter) % n) + 1]
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json"}}, body)
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def parse(output: str) -> Sample:
    """The sample in wrk's ``--latency`` output; raises ``ValueError`` when a number is missing."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if not (rps and p50 and p99):
        raise ValueError(f"unexpected wrk output:\n{output}")
    if errors:
        raise ValueError(f"wrk saw {errors.group(1)} error answers:\n{output}")
    return Sample(float(rps.group(1)), _ms(*p50.groups()), _ms(*p99.groups()))


def require_wrk() -> None:
    """Exit with a clear message, before a bench builds anything, when wrk is not installed."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")


def run_wrk(url: str, *, seconds: int, bodies: Sequence[str] = ()) -> Sample:
    """One wrk run against ``url`` (GET, or POST of ``bodies`` in turn)."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    with tempfile.TemporaryDirectory() as tmp:
        if bodies:
            script = Path(tmp) / "bodies.lua"
            script.write_text(_lua(bodies), encoding="utf-8")
            command[-1:-1] = ["-s", str(script)]
        result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)
    return parse(result.stdout)

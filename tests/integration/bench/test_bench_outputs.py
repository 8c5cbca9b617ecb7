"""The micro-benches run as a user runs them (``python -m bench.…``, tiny sizes): a table, then a last line of
exactly one JSON object. Tests never import bench; they run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _run(module: str, *args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_crypto_bench_ends_with_the_ratios_json() -> None:
    lines = _run("bench.crypto", "--rounds", "2", "--loops", "20")
    assert lines[0] == "best of 2 interleaved rounds x 20 calls"
    assert any(line.startswith("ours KeySet.verify") for line in lines)
    figures = json.loads(lines[-1])
    assert set(figures) == {"sign_ratio", "verify_ratio"}
    assert all(isinstance(v, float) and v > 0 for v in figures.values())


def test_the_identity_bench_ends_with_the_ratios_json() -> None:
    lines = _run("bench.identity", "--rounds", "1", "--loops", "10")
    assert lines[0] == "best of 1 interleaved rounds x 10 calls"
    assert [line.split()[0] for line in lines[2:-1]] == ["bare", "validate", "index", "seal", "open", "identity"]
    figures = json.loads(lines[-1])
    assert set(figures) == {"identity_row_ratio_to_sign", "seal_ratio_to_sign", "open_ratio_to_sign"}
    assert all(isinstance(v, float) and v > 0 for v in figures.values())


def test_the_cli_startup_bench_ends_with_the_ratios_json() -> None:
    lines = _run("bench.cli_startup", "--runs", "1", "--commands", "1")
    assert lines[0] == "median of 1 interleaved rounds; baseline = python -c pass"
    assert [line.split("  ")[0] for line in lines[2:-1]] == [
        "python -c pass",
        "certreg --version",
        "certreg --help",
        "certreg keys list --help",
        "certreg db upgrade (fresh SQLite)",
        "certreg apikeys --help",
    ]
    figures = json.loads(lines[-1])
    assert set(figures) == {
        "version_seconds",
        "help_seconds",
        "version_cpu_seconds",
        "help_cpu_seconds",
        "ratio_version_to_bare_python",
        "ratio_help_to_bare_python",
    }
    assert all(isinstance(v, float) and v > 0 for v in figures.values())

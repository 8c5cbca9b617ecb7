"""How long does ``certreg`` take to start? Wall and CPU seconds of short commands next to a bare Python.

An operator waits for the start-up on every command, and the test suite starts ``certreg`` processes by the
hundred, so what a command costs before it does anything is timed here, each case a fresh process:

* ``python -c pass``: the baseline, the interpreter of the same virtualenv starting and ending;
* ``certreg --version`` and ``certreg --help``: nothing but the command line itself;
* ``certreg keys list --help`` and ``certreg <command> --help`` for the first ``--commands`` top-level commands
  (all by default): one command's module and what it imports;
* ``certreg db upgrade`` on a fresh SQLite file: a real command, migrations included.

Each round runs every case once, in a rotating order so that drift of the machine's load favours none; the
table shows medians over ``--runs`` rounds of the wall time and of the CPU time (user + system, from
``getrusage`` of the children: what the start-up costs on a shared machine, whatever else runs). The last
line is one JSON object ``{"version_seconds": …, "help_seconds": …, "version_cpu_seconds": …,
"help_cpu_seconds": …, "ratio_version_to_bare_python": …, "ratio_help_to_bare_python": …}`` (seconds are
wall medians; the ratios are CPU medians over the bare interpreter's, measured in the same run).
Run: ``.venv/bin/python -m bench.cli_startup``.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from bench.flags import bench_parser
from issuer.cli import main as certreg_main

CERTREG = str(Path(sys.executable).parent / "certreg")
BARE = "python -c pass"
VERSION = "certreg --version"
HELP = "certreg --help"
UPGRADE = "certreg db upgrade (fresh SQLite)"


def cases(commands: int) -> dict[str, list[str]]:
    """Label -> the command line of each case."""
    found = {
        BARE: [sys.executable, "-c", "pass"],
        VERSION: [CERTREG, "--version"],
        HELP: [CERTREG, "--help"],
        "certreg keys list --help": [CERTREG, "keys", "list", "--help"],
        UPGRADE: [CERTREG, "db", "upgrade"],
    }
    names = certreg_main.list_commands(click.Context(certreg_main))
    for name in names[:commands]:
        found[f"certreg {name} --help"] = [CERTREG, name, "--help"]
    return found


def run_once(command: list[str], database: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one process running ``command`` with ``CERTREG_DATABASE_URL`` naming the SQLite
    file ``database``; raises :class:`subprocess.CalledProcessError` when it fails."""
    env = {**os.environ, "CERTREG_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, timeout=300)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(runs: int, commands: dict[str, list[str]], directory: Path) -> dict[str, tuple[float, float]]:
    """Label -> (median wall, median CPU) seconds over ``runs`` interleaved rounds (a fresh SQLite file under
    ``directory`` for each process)."""
    names = list(commands)
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    for index in range(runs):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            wall, cpu = run_once(commands[name], directory / f"{index}-{names.index(name)}.db")
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in names}


def report(found: dict[str, tuple[float, float]], runs: int) -> None:
    """The table, then the JSON line."""
    bare_wall, bare_cpu = found[BARE]
    print(f"median of {runs} interleaved rounds; baseline = {BARE}")
    print(f"{'command':42} {'wall s':>7} {'CPU s':>7} {'wall/bare':>9} {'CPU/bare':>9}")
    for name, (wall, cpu) in found.items():
        print(f"{name:42} {wall:7.3f} {cpu:7.3f} {wall / bare_wall:9.1f} {cpu / bare_cpu:9.1f}")
    figures = {
        "version_seconds": round(found[VERSION][0], 3),
        "help_seconds": round(found[HELP][0], 3),
        "version_cpu_seconds": round(found[VERSION][1], 3),
        "help_cpu_seconds": round(found[HELP][1], 3),
        "ratio_version_to_bare_python": round(found[VERSION][1] / bare_cpu, 2),
        "ratio_help_to_bare_python": round(found[HELP][1] / bare_cpu, 2),
    }
    print(json.dumps(figures))


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__.splitlines()[0], runs=7, commands=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        found = measure(args.runs, cases(args.commands), Path(directory))
    report(found, args.runs)


if __name__ == "__main__":
    main()

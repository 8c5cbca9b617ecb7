"""The command line of a bench: its description and its counts (rounds, runs, rows, …) as integer flags.

Why this exists: every bench spelled out ``parser.add_argument("--runs", type=int, default=3)`` and the like, one
line per count; the counts are now given as keywords with their defaults, and this adds the flags.
"""

from __future__ import annotations

import argparse


def bench_parser(description: str | None, **counts: int) -> argparse.ArgumentParser:
    """A parser described by ``description`` with an integer flag per keyword of ``counts``, in order, defaulting to
    its value (``built_qrs=100`` is ``--built-qrs``, 100 unless given)."""
    parser = argparse.ArgumentParser(description=description)
    for name, default in counts.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    return parser

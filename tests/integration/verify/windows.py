"""Rate-limit windows as tests meet them: the limits count in fixed one-minute windows (verify/ratelimit.py),
so requests a test expects to be counted together must not straddle a window's end."""

from __future__ import annotations

import asyncio
import time

from verify.ratelimit import WINDOW_SECONDS


async def outside_a_window_boundary(needed: float) -> None:
    """Wait for the next window when fewer than ``needed`` seconds are left of this one."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < needed:
        await asyncio.sleep(left + 0.05)

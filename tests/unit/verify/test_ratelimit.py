"""The rate limiter's local arithmetic: fixed windows, cost, Retry-After, refused requests not counted."""

from __future__ import annotations

from verify.ratelimit import WINDOW_SECONDS, RateLimiter


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_limit_then_retry_after_until_the_window_ends() -> None:
    clock = Clock(WINDOW_SECONDS * 1000 + 15.2)
    limiter = RateLimiter(prefix="p", clock=clock)
    assert [limiter.hit("ip:a", 3) for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("ip:a", 3) == 45  # ceil(60 - 15.2)
    assert limiter.hit("ip:b", 3) == 0, "clients are counted apart"
    clock.now += 45
    assert limiter.hit("ip:a", 3) == 0, "a new window"


def test_cost_counts_items_and_a_refused_request_costs_nothing() -> None:
    limiter = RateLimiter(prefix="p", clock=Clock(0.0))
    assert limiter.hit("key:1", 10, cost=6) == 0
    assert limiter.hit("key:1", 10, cost=6) > 0
    assert limiter.hit("key:1", 10, cost=4) == 0
    assert limiter.hit("key:1", 10, cost=1) > 0


def test_redis_keys_name_the_window() -> None:
    limiter = RateLimiter(prefix="certreg")
    assert limiter.redis_key("ip:1.2.3.4", 29000000) == "certreg:rl:ip:1.2.3.4:29000000"

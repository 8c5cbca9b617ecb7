"""The real client address behind proxies, over TCP against real server processes: a spoofed
``X-Forwarded-For`` from an untrusted peer changes nothing, and clients behind a trusted proxy are limited
one by one. (The parsing itself: tests/unit/verify/test_clientip.py.)"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.prod.processes import CertregServe, ProxiedServer
from tests.integration.verify.windows import outside_a_window_boundary
from tests.integration.verify.world import World

pytestmark = pytest.mark.slow

LIMIT = 5
#: Seconds of a rate-limit window the requests of one test need (at most 13 look-ups: well under a second, even
#: on a loaded machine), counted once the server is up. The 8 s once waited for before the server's start also
#: had to hold the start itself (its imports alone take 3-5 s on a loaded machine), and a window's end among
#: the requests reset the count.
NEEDED = 5


async def statuses(url: str, world: World, forwarded_for: list[str], header: str = "X-Forwarded-For") -> list[int]:
    async with httpx.AsyncClient(timeout=10) as client:
        answers = []
        for value in forwarded_for:
            response = await client.post(
                f"{url}/v1/verify", json={"number": world.valid.number, "name": "张三"}, headers={header: value}
            )
            answers.append(response.status_code)
    return answers


async def test_certreg_serve_ignores_forwarded_for_by_default(file_world: World) -> None:
    """Issue 17: uvicorn used to believe any local peer's X-Forwarded-For (30 of 30 spoofed requests passed)."""
    with CertregServe(database_url=file_world.database.url, public_rate_per_minute=LIMIT) as server:
        await outside_a_window_boundary(NEEDED)
        spoofed = [f"198.51.100.{i}" for i in range(1, 10)]
        assert await statuses(server.url, file_world, spoofed) == [200] * LIMIT + [429] * 4


async def test_spoofed_headers_from_an_untrusted_peer_are_ignored(file_world: World) -> None:
    settings = {
        "database_url": file_world.database.url,
        "public_rate_per_minute": LIMIT,
        "trusted_proxies": "10.0.0.0/8,192.168.0.0/16",  # the test's 127.0.0.1 is not among them
    }
    with ProxiedServer(**settings) as server:
        await outside_a_window_boundary(NEEDED)
        spoofed = [f"203.0.113.{i}, 10.0.0.1" for i in range(1, 5)]
        forwarded = [f"for=203.0.113.{i}" for i in range(5, 10)]
        answers = await statuses(server.url, file_world, spoofed)
        answers += await statuses(server.url, file_world, forwarded, header="Forwarded")
    assert answers == [200] * LIMIT + [429] * 4


@pytest.mark.parametrize("header", ["x-forwarded-for", "forwarded"])
async def test_distinct_clients_behind_a_trusted_proxy_get_distinct_limits(file_world: World, header: str) -> None:
    settings = {
        "database_url": file_world.database.url,
        "public_rate_per_minute": LIMIT,
        "trusted_proxies": "127.0.0.1/32,10.0.0.0/8",
        "proxy_header": header,
    }

    def hops(client: str) -> str:
        # the client's own claim on the left must not count: the rightmost untrusted hop is the client
        if header == "forwarded":
            return f'for="[2001:db8::{client}]:4711", for=198.51.100.{client};proto=https, for=10.1.2.3'
        return f"2001:db8::{client}, 198.51.100.{client}, 10.1.2.3"

    with ProxiedServer(**settings) as server:
        await outside_a_window_boundary(NEEDED)
        first = await statuses(server.url, file_world, [hops("1")] * (LIMIT + 1), header=header)
        second = await statuses(server.url, file_world, [hops("2")] * (LIMIT + 1), header=header)
        # the same client lying about its own origin is still the same client
        lying = await statuses(server.url, file_world, [hops("1").replace("2001:db8::1", "2001:db8::99")], header)
    assert first == [200] * LIMIT + [429]
    assert second == [200] * LIMIT + [429], "a second client behind the proxy has a limit of its own"
    assert lying == [429]

"""The verify apps the tests share (:mod:`tests.support_apps`): an app an earlier test built on equal settings
answers the next test as a new one would, with no answer cached, no request counted and no rate limit spent
before; two clients open at once are two workers with two apps."""

from __future__ import annotations

from tests.integration.verify.cache.test_cache import counter, queries
from tests.integration.verify.windows import WindowStartClock
from tests.integration.verify.world import World, runtime_of, verify_client

LIMITED = {"public_rate_per_minute": 2, "change_poll_seconds": 60}
REQUESTS = 'certreg_http_requests_total{method="POST",route="/v1/verify",status="200"}'


async def test_an_app_built_before_starts_with_nothing_of_the_test_before(world: World) -> None:
    body = {"number": world.valid.number, "name": "张三"}
    clock = WindowStartClock()  # both apps' look-ups counted in one fixed minute
    async with verify_client(world.database.url, **LIMITED) as client:
        built = client.app
        runtime_of(built).limiter.clock = clock
        for _ in range(2):
            assert (await client.post("/v1/verify", json=body)).status_code == 200
        assert (await client.post("/v1/verify", json=body)).status_code == 429
    async with verify_client(world.database.url, **LIMITED) as client:
        assert client.app is built, "the idle app is handed out again"
        runtime_of(built).limiter.clock = clock
        assert (await client.post("/v1/verify", json=body)).status_code == 200, "a limit spent before"
        metrics = (await client.get("/metrics")).text
    assert queries(metrics) == 1, "an answer cached before"
    assert counter(metrics, REQUESTS) == 1, "requests counted before"


async def test_two_clients_at_once_are_two_apps(world: World) -> None:
    async with verify_client(world.database.url) as one, verify_client(world.database.url) as two:
        assert one.app is not two.app

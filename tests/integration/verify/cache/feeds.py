"""A started change feed over a test world's database, with its own in-process cache and view store (no Redis)."""

from __future__ import annotations

from typing import Any

from tests.integration.verify.world import World
from verify.cache.feed import ChangeFeed
from verify.cache.lru import ResponseCache
from verify.cache.viewstore import ViewStore
from verify.keysets import KeySetCache
from verify.metrics import Metrics


async def started_feed(world: World) -> ChangeFeed:
    metrics, cache = Metrics(), ResponseCache[Any](max_entries=100, max_bytes=1_000_000)
    views = ViewStore(world.database, None, metrics, db_timeout=5, retry_after=5, cache=cache)
    feed = ChangeFeed(
        world.database, cache, KeySetCache(), None, metrics, views=views, interval=60, timeout=5, keyset_refresh=60
    )
    await feed.start()
    return feed

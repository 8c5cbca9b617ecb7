"""Redis clients from ``CERTREG_REDIS_URL``: a plain server (``redis://``, ``rediss://``, ``unix://``), the
master of a Sentinel-watched group (``redis+sentinel://[user:password@]host:port[,host:port…]/service[/db]``)
or a Redis Cluster (``redis+cluster://[user:password@]host:port[,host:port…]``, any nodes to start from).

With Sentinel the client asks the sentinels for the current master on every new connection, and a connection
to a master that was demoted answers ``READONLY``, which redis-py turns into a connection error: the caller's
usual failure handling (the gate of :mod:`verify.cache.redis_views`, the subscriber's reconnect) then lands on
the new master. The password applies to the master; the sentinels are asked without one unless the URL's
query says ``sentinel_password=…``.

A Cluster client routes each command to the master of its key's slot. Every key is hash-tagged by what it
is about (a certificate number, a person's tag: :mod:`verify.cache.invalidation`), and no command spans two
of them: the multi-key reads and the compare-and-set script go per slot (:mod:`verify.cache.slots`).
"""

from __future__ import annotations

from typing import Any, Final, TypeAlias

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel

from registry.config import parse_cluster_url, parse_sentinel_url

SENTINEL_SCHEME: Final = "redis+sentinel://"
CLUSTER_SCHEME: Final = "redis+cluster://"

#: What every Redis user of the read and write paths is handed: one server (plain or Sentinel) or a Cluster.
RedisClient: TypeAlias = aioredis.Redis | RedisCluster


class _SentinelRedis(aioredis.Redis):
    """The master's client; closing it also closes the connections to the sentinels it asked."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        manager = getattr(self.connection_pool, "sentinel_manager", None)
        for sentinel in getattr(manager, "sentinels", ()):
            await sentinel.aclose()


def redis_from_url(url: str, **options: Any) -> RedisClient:
    """A client of ``url`` with ``options`` (timeouts, retry) for the commands it sends."""
    if url.startswith(CLUSTER_SCHEME):
        return _cluster(url, **options)
    if not url.startswith(SENTINEL_SCHEME):
        return aioredis.Redis.from_url(url, **options)
    parsed = parse_sentinel_url(url)
    timeouts = {k: v for k, v in options.items() if k in ("socket_timeout", "socket_connect_timeout")}
    sentinel = Sentinel(
        parsed.sentinels,
        sentinel_kwargs={**timeouts, "password": parsed.sentinel_password},
        **timeouts,
    )
    client: aioredis.Redis = sentinel.master_for(
        parsed.service,
        redis_class=_SentinelRedis,
        db=parsed.db,
        username=parsed.username,
        password=parsed.password,
        **options,
    )
    return client


def subscriber_from_url(url: str, attempt: int, **options: Any) -> aioredis.Redis:
    """A client for the invalidation subscriber. On a Cluster, a plain connection to one node, the next one
    on each ``attempt``: classic pub/sub messages reach every node of a cluster, so any live node will do,
    and a dead one is left for the next after one failed attempt."""
    if not url.startswith(CLUSTER_SCHEME):
        client = redis_from_url(url, **options)
        assert isinstance(client, aioredis.Redis)  # only a cluster URL gives a RedisCluster
        return client
    parsed = parse_cluster_url(url)
    host, port = parsed.nodes[attempt % len(parsed.nodes)]
    return aioredis.Redis(host=host, port=port, username=parsed.username, password=parsed.password, **options)


def _cluster(url: str, **options: Any) -> RedisCluster:
    """A Cluster client; a node that fails is left to the caller's gate (no retries, no full-coverage
    demand: the slots of the masters still up keep serving)."""
    parsed = parse_cluster_url(url)
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in parsed.nodes],
        username=parsed.username,
        password=parsed.password,
        require_full_coverage=False,
        **options,
    )

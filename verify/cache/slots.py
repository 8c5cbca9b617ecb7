"""Multi-key Redis work that stays within one hash slot, so a Redis Cluster can run it.

On one server (plain or Sentinel) a read of many keys is one ``MGET`` and a compare-and-set of many
certificates is one script call. A Cluster refuses both when the keys live in different slots
(``CROSSSLOT``), so there each is split by slot: the reads into one ``MGET`` per slot (redis-py's
``mget_nonatomic``, pipelined per node), the script into one call per slot, run concurrently. The keys of one
certificate or one person share a slot by their hash tag (:mod:`verify.cache.invalidation`), so the script
still compares and sets a value and its version atomically. Deletes are sent one key per command (in a
pipeline) for the same reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript

from verify.cache.connect import RedisClient

#: One script call's keys (those of one certificate or person) and its arguments.
ScriptItem = tuple[list[str], list[bytes | int]]


async def mget(redis: RedisClient, keys: list[str]) -> list[Any]:
    """The values of ``keys`` in order (``None`` for an absent one); raises what redis-py raises."""
    if isinstance(redis, RedisCluster):
        return await redis.mget_nonatomic(keys)
    return list(await redis.mget(keys))


async def run_script(redis: RedisClient, script: AsyncScript, items: Sequence[ScriptItem]) -> None:
    """Run ``script`` over every item: one call for all on one server, one call per slot on a Cluster.

    The script must loop over its keys and arguments in fixed strides (as the compare-and-set of
    :mod:`verify.cache.redis_views` does), so that any concatenation of items is a valid call."""
    if not items:
        return
    groups: dict[int, tuple[list[str], list[bytes | int]]] = {}
    for keys, args in items:
        slot = redis.keyslot(keys[0]) if isinstance(redis, RedisCluster) else 0
        group_keys, group_args = groups.setdefault(slot, ([], []))
        group_keys += keys
        group_args += args
    await asyncio.gather(*(script(keys=keys, args=args) for keys, args in groups.values()))

"""A Redis master, its replica and three sentinels on private ports chosen when the group is made (like the
cluster's: fixed ports let two tests, or two checkouts, start their groups on each other's), each a process of
the test's own, ended by its pid in the fixture's finalizer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis

from tests.integration.prod.redis_group import RedisGroup, free_ports
from tests.integration.verify.servers import wait_for

SERVICE = "certreg-test"


def sentinel_url(sentinels: tuple[int, ...]) -> str:
    return f"redis+sentinel://{','.join(f'127.0.0.1:{p}' for p in sentinels)}/{SERVICE}/0"


class SentinelGroup(RedisGroup):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.master, self.replica, *sentinels = free_ports(5)
        self.sentinels = tuple(sentinels)
        self.url = sentinel_url(self.sentinels)

    def start(self) -> SentinelGroup:
        common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"]
        # The master sends its first full sync at once rather than after the default 5 s wait for more replicas
        # to share it (there is one).
        self.spawn(self.master, "--port", str(self.master), *common, "--repl-diskless-sync-delay", "0")
        self.spawn(self.replica, "--port", str(self.replica), *common, "--replicaof", "127.0.0.1", str(self.master))
        # Sentinels learn of replicas from the master's INFO, which they ask for at once and then every 10 s:
        # started before the replica is attached, they took up to 10 s more to know it.
        wait_for("the replica to sync", lambda: self._info(self.replica, "master_link_status") == "up", timeout=20)
        for port in self.sentinels:
            config = self.directory / f"sentinel-{port}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\nprotected-mode no\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 500\n"
                f"sentinel failover-timeout {SERVICE} 3000\n"
            )
            self.spawn(port, str(config), "--sentinel")
        wait_for("the sentinels to know the replica", self._sentinels_ready, timeout=20)
        return self

    def _info(self, port: int, field: str) -> str:
        client = redis.Redis(port=port, socket_timeout=1)
        try:
            return str(client.info("replication").get(field, ""))
        finally:
            client.close()

    def _sentinels_ready(self) -> bool:
        for port in self.sentinels:
            client = redis.Redis(port=port, socket_timeout=1)
            try:
                replicas: Any = client.sentinel_slaves(SERVICE)
                others: Any = client.sentinel_sentinels(SERVICE)
                if not replicas or len(others) < 2:
                    return False
            finally:
                client.close()
        return True

    def master_port(self) -> int:
        client = redis.Redis(port=self.sentinels[0], socket_timeout=1)
        try:
            address: Any = client.sentinel_get_master_addr_by_name(SERVICE)
            return int(address[1])
        finally:
            client.close()

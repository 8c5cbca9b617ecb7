"""A Redis Cluster of three masters on private ports chosen when it starts, each a ``redis-server`` process
of the test's own (the Debian binary), joined by hand (``CLUSTER ADDSLOTSRANGE`` + ``CLUSTER MEET``, no
``redis-cli`` needed), and ended by its pid in the fixture's finalizer.

No replicas: a master that dies takes its third of the slots with it until it is back, which is what the
verify app must survive (docs/operations.md "Redis Cluster"). ``cluster-require-full-coverage no`` lets the
other two masters keep serving their slots meanwhile, as a cache cluster should be configured.
"""

from __future__ import annotations

from pathlib import Path

import redis

from tests.integration.prod.redis_group import RedisGroup, free_ports, ping
from tests.integration.verify.servers import wait_for

NODES = 3
SLOTS = 16384


def cluster_url(ports: tuple[int, ...]) -> str:
    return f"redis+cluster://{','.join(f'127.0.0.1:{p}' for p in ports)}"


class Cluster(RedisGroup):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.ports = free_ports(NODES, with_bus=True)
        self.url = cluster_url(self.ports)

    def start(self) -> Cluster:
        for port in self.ports:
            self.spawn(
                port,
                "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "no",
                "--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
                "--cluster-config-file", f"nodes-{port}.conf", "--cluster-node-timeout", "1000",
                "--cluster-require-full-coverage", "no",
            )  # fmt: skip
        for port in self.ports:
            wait_for(f"redis-server on {port}", lambda port=port: ping(port), timeout=10)
            assert self.processes[port].poll() is None, f"redis-server on {port} exited (port taken?)"
        share = SLOTS // len(self.ports)
        for index, port in enumerate(self.ports):
            last = SLOTS - 1 if index == len(self.ports) - 1 else (index + 1) * share - 1
            with redis.Redis(port=port, socket_timeout=2) as client:
                client.execute_command("CLUSTER", "SET-CONFIG-EPOCH", index + 1)
                client.execute_command("CLUSTER", "ADDSLOTSRANGE", index * share, last)
        with redis.Redis(port=self.ports[0], socket_timeout=2) as client:
            for port in self.ports[1:]:
                client.execute_command("CLUSTER", "MEET", "127.0.0.1", port)
        wait_for("the cluster to be ok on every node", self._ok, timeout=20)
        return self

    def _ok(self) -> bool:
        for port in self.ports:
            with redis.Redis(port=port, socket_timeout=1) as client:
                info = client.execute_command("CLUSTER", "INFO")
                text = info.decode() if isinstance(info, bytes) else str(info)
                if "cluster_state:ok" not in text or "cluster_known_nodes:3" not in text:
                    return False
        return True

    def port_of(self, key: str) -> int:
        """The port of the master serving ``key``'s slot."""
        with redis.Redis(port=self.ports[0], socket_timeout=1) as client:
            slot = int(client.execute_command("CLUSTER", "KEYSLOT", key))
        share = SLOTS // len(self.ports)
        return self.ports[min(slot // share, len(self.ports) - 1)]

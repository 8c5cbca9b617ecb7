"""A Redis Cluster of three masters on private ports chosen when it starts, each a ``redis-server`` process
of the test's own (the Debian binary), joined by hand (``CLUSTER ADDSLOTSRANGE`` + ``CLUSTER MEET``, no
``redis-cli`` needed), and ended by its pid in the fixture's finalizer.

No replicas: a master that dies takes its third of the slots with it until it is back, which is what the
verify app must survive (docs/operations.md "Redis Cluster"). ``cluster-require-full-coverage no`` lets the
other two masters keep serving their slots meanwhile, as a cache cluster should be configured.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
from pathlib import Path

import redis

from tests.integration.verify.servers import redis_server_binary, wait_for

NODES = 3
SLOTS = 16384
#: A node's cluster bus listens on its port + 10000, so ports are drawn below 55536 with both halves free.
BUS_OFFSET = 10_000


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_cluster_ports(count: int = NODES) -> tuple[int, ...]:
    """``count`` ports whose cluster bus ports are free too.

    Fixed ports made two tests of this module on the two xdist workers (or two checkouts testing at once)
    start their clusters on the same ports: the second's servers could not bind, it pinged the first's, and
    ``CLUSTER SET-CONFIG-EPOCH`` failed on nodes that already knew each other.
    """
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randrange(20_000, 30_000)
        if port not in chosen and _free(port) and _free(port + BUS_OFFSET):
            chosen.append(port)
    return tuple(chosen)


def cluster_url(ports: tuple[int, ...]) -> str:
    return f"redis+cluster://{','.join(f'127.0.0.1:{p}' for p in ports)}"


class Cluster:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.ports = free_cluster_ports()
        self.url = cluster_url(self.ports)

    def start(self) -> Cluster:
        for port in self.ports:
            self.processes[port] = subprocess.Popen(
                [
                    redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "no",
                    "--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
                    "--cluster-config-file", f"nodes-{port}.conf", "--cluster-node-timeout", "1000",
                    "--cluster-require-full-coverage", "no",
                ],
                cwd=self.directory,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        for port in self.ports:
            wait_for(f"redis-server on {port}", lambda port=port: self._ping(port), timeout=10)
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

    @staticmethod
    def _ping(port: int) -> bool:
        try:
            with redis.Redis(port=port, socket_timeout=0.5) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

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

    def kill(self, port: int) -> None:
        process = self.processes.get(port)
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def stop(self) -> None:
        for port in list(self.processes):
            self.kill(port)

"""Redis servers of the production tests (a Cluster, a Sentinel group): each a ``redis-server`` process of
the test's own (the Debian binary) on private ports chosen when the group starts, killed by its pid only."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
from pathlib import Path
from typing import Self

import redis

from tests.integration.verify.servers import redis_server_binary

#: A cluster node's bus listens on its port + 10000, so ports are drawn below 55536.
BUS_OFFSET = 10_000


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(count: int, *, with_bus: bool = False) -> tuple[int, ...]:
    """``count`` distinct free ports (with ``with_bus``, their cluster bus ports are free too).

    Fixed ports made two tests on the two xdist workers (or two checkouts testing at once) start their
    servers on the same ports: the second's servers could not bind and it talked to the first's (a cluster's
    ``CLUSTER SET-CONFIG-EPOCH`` failed on nodes that already knew each other).
    """
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randrange(20_000, 30_000)
        if port not in chosen and _free(port) and (not with_bus or _free(port + BUS_OFFSET)):
            chosen.append(port)
    return tuple(chosen)


def ping(port: int) -> bool:
    try:
        with redis.Redis(port=port, socket_timeout=0.5) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


class RedisGroup:
    """The processes of one group, by port; :meth:`stop` kills every one (at the end of the fixture's ``with``
    block)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    def spawn(self, port: int, *args: str) -> None:
        """Start ``redis-server args…`` (which must make it listen on ``port``) in the group's directory."""
        self.processes[port] = subprocess.Popen(
            [redis_server_binary(), *args], cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def kill(self, port: int) -> None:
        process = self.processes.get(port)
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def stop(self) -> None:
        for port in list(self.processes):
            self.kill(port)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

"""A Redis master, its replica and three sentinels on the test's private ports (6440-6444), each a process of
the test's own, ended by its pid in the fixture's finalizer."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import redis

from tests.integration.verify.servers import redis_server_binary, wait_for

MASTER, REPLICA = 6440, 6441
SENTINELS = (6442, 6443, 6444)
SERVICE = "certreg-test"
SENTINEL_URL = f"redis+sentinel://{','.join(f'127.0.0.1:{p}' for p in SENTINELS)}/{SERVICE}/0"


class SentinelGroup:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    def _start(self, port: int, *args: str) -> None:
        self.processes[port] = subprocess.Popen(
            [redis_server_binary(), *args], cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def start(self) -> SentinelGroup:
        common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"]
        self._start(MASTER, "--port", str(MASTER), *common)
        self._start(REPLICA, "--port", str(REPLICA), *common, "--replicaof", "127.0.0.1", str(MASTER))
        for port in SENTINELS:
            config = self.directory / f"sentinel-{port}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\nprotected-mode no\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {MASTER} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 500\n"
                f"sentinel failover-timeout {SERVICE} 3000\n"
            )
            self._start(port, str(config), "--sentinel")
        wait_for("the replica to sync", lambda: self._info(REPLICA, "master_link_status") == "up", timeout=20)
        wait_for("the sentinels to know the replica", self._sentinels_ready, timeout=20)
        return self

    def _info(self, port: int, field: str) -> str:
        client = redis.Redis(port=port, socket_timeout=1)
        try:
            return str(client.info("replication").get(field, ""))
        finally:
            client.close()

    def _sentinels_ready(self) -> bool:
        for port in SENTINELS:
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
        client = redis.Redis(port=SENTINELS[0], socket_timeout=1)
        try:
            address: Any = client.sentinel_get_master_addr_by_name(SERVICE)
            return int(address[1])
        finally:
            client.close()

    def kill(self, port: int) -> None:
        process = self.processes.get(port)
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def stop(self) -> None:
        for port in list(self.processes):
            self.kill(port)

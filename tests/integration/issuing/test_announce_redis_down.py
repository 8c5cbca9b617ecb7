"""A certificate change with Redis down: the change stands, and the operator's log line saying the verify
caches were not told is bilingual like the other lines meant for operators, without personal data."""

from __future__ import annotations

import logging

import pytest

from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.issuing.conftest import Api

#: Nothing listens on port 1: every announcement fails at once (a real connection refused, no fake).
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_url() -> str:
    return DEAD_REDIS


@pytest.fixture
def redis_prefix() -> str:
    return "certreg-test-down"


async def test_a_change_with_redis_down_logs_a_bilingual_line_without_personal_data(
    api: Api, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    (cert,) = await issue_test_certificates(api.world.database, api.world.store, [("张三", HOLDER_IDS[0])])
    admin = api.headers["province_admin"]
    with caplog.at_level(logging.WARNING, logger="certreg.verify.invalidation"):
        revoked = await api.client.post(
            f"/v1/certificates/{cert.number}/revoke", json={"reason": "证书遗失 / lost"}, headers=admin
        )
    assert revoked.status_code == 200, revoked.text
    (line,) = [r.getMessage() for r in caplog.records if r.name == "certreg.verify.invalidation"]
    assert line == (
        "未能通知查验缓存 1 张证书已变更（ConnectionError），查验进程将从变更流中得知 / could not announce 1 "
        "changed certificates (ConnectionError); verify workers apply them from the change feed"
    )
    assert "张三" not in line
    assert HOLDER_IDS[0] not in line

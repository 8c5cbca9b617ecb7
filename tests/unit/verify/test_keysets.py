"""``GET /v1/keys`` answers: strong ETag from the body, 304 on a matching If-None-Match."""

from __future__ import annotations

import hashlib

from tests.unit.statement.world import KEYSET
from verify.cache.redis_views import RedisGate
from verify.http.keys import KeySetAnswers
from verify.keysets import KeySetCache


def test_etag_and_conditional_answers() -> None:
    keysets = KeySetCache()
    keysets.set(KEYSET)
    answers = KeySetAnswers(keysets, max_age=60)
    etag = keysets.etag.decode()
    assert etag == '"' + hashlib.sha256(KEYSET.to_json()).hexdigest() + '"'
    assert answers.answer(None).status_code == 200
    assert answers.answer(etag).status_code == 304
    assert answers.answer(f"W/{etag}").status_code == 304
    assert answers.answer(f'"a", {etag}').status_code == 304
    assert answers.answer("*").status_code == 304
    assert answers.answer('"stale"').status_code == 200
    assert (b"cache-control", b"public, max-age=60") in answers.answer(None).raw_headers
    assert not any(name == b"content-length" for name, _ in answers.answer(etag).raw_headers)


def is_open(gate: RedisGate) -> bool:
    return gate.open


def test_the_gate_backs_off_and_closes_on_success() -> None:
    now = [0.0]
    gate = RedisGate(base=0.1, cap=0.4, clock=lambda: now[0])
    assert not is_open(gate)
    gate.failed()
    assert is_open(gate)
    now[0] = 0.11
    assert not is_open(gate)
    gate.failed()  # 0.2 s now
    now[0] = 0.25
    assert is_open(gate)
    gate.failed()
    gate.failed()
    gate.failed()  # capped at 0.4
    now[0] += 0.41
    assert not is_open(gate)
    gate.failed()
    gate.succeeded()
    assert not is_open(gate)

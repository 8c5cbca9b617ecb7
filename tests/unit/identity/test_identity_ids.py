"""Identity ids made in bulk (``issuer.identity.sealer.new_identity_ids``): exactly what ``uuid.uuid4().hex``
makes of the same random bytes, so rows sealed by either way look alike."""

from __future__ import annotations

import os
import random
import uuid

import pytest

from issuer.identity import sealer


def test_ids_are_uuid4_of_the_same_random_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = random.Random(13).randbytes(16 * 500) + bytes(16) + b"\xff" * 16
    monkeypatch.setattr(os, "urandom", lambda size: raw[:size])
    expected = [uuid.UUID(bytes=raw[at : at + 16], version=4).hex for at in range(0, len(raw), 16)]
    assert sealer.new_identity_ids(len(raw) // 16) == expected


def test_ids_are_new_version_4_uuids() -> None:
    ids = sealer.new_identity_ids(1000)
    assert len(set(ids)) == 1000
    assert all(uuid.UUID(i).version == 4 and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    assert sealer.new_identity_ids(0) == []

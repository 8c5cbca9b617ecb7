"""Every change the issue lists is a leaf, appended in the transaction of the change: a change that fails
after its event was appended leaves neither (filing events: tests/integration/registry/test_refdata_load.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from issuer.keystore import rotate_key
from registry.certificates import revoke, store_certificates, superseded_event
from registry.events import EventKind
from registry.keyring import load_keyset, mark_compromised
from registry.models import Certificate, Event, KeyStatusChange
from tests.integration.log.conftest import World


async def _kinds(world: World) -> list[str]:
    async with world.database.reader() as session:
        return list((await session.scalars(select(Event.kind).order_by(Event.idx))).all())


async def test_certificate_and_key_changes_are_leaves(world: World) -> None:
    first, second, third = await world.issue(3)
    async with world.database.transaction() as session:
        await revoke(session, first.number, reason="伪造材料 / forged documents", actor="test")
    async with world.database.transaction() as session:
        old = await session.get(Certificate, second.number)
        assert old is not None
        event = superseded_event(second.number, "NEW-1", kind=EventKind.CERTIFICATE_REISSUED, reason="遗失", actor="t")
        await store_certificates(session, [], actor="test", extra_events=[event])
        replaced = superseded_event(
            third.number, "NEW-2", kind=EventKind.CERTIFICATE_REPLACED, reason="损坏", actor="t"
        )
        await store_certificates(session, [], actor="test", extra_events=[replaced])
    async with world.database.transaction() as session:
        _, new = await rotate_key(session, world.store, authority="430100", purpose="statement", actor="test")
    async with world.database.transaction() as session:
        await mark_compromised(session, new.kid, datetime.now(UTC), "after", actor="test", reason="leak")
    assert await _kinds(world) == [
        "key.created", "key.created", "key.created",
        "certificate.issued", "certificate.issued", "certificate.issued",
        "certificate.revoked", "certificate.reissued", "certificate.replaced",
        "key.retired", "key.created", "key.compromised",
    ]  # fmt: skip


async def test_a_failed_change_leaves_no_event(world: World) -> None:
    (made,) = await world.issue(1)
    before = await _kinds(world)
    with pytest.raises(RuntimeError):
        async with world.database.transaction() as session:
            await revoke(session, made.number, reason="r", actor="test")
            raise RuntimeError("the request failed after the revocation")
    with pytest.raises(RuntimeError):
        async with world.database.transaction() as session:
            info = (await load_keyset(session)).active("430000")
            assert info is not None
            await mark_compromised(session, info.kid, datetime.now(UTC), "all", actor="test", reason="leak")
            raise RuntimeError("the operator aborted")
    assert await _kinds(world) == before
    async with world.database.reader() as session:
        assert await session.scalar(select(func.count()).select_from(KeyStatusChange)) == 0

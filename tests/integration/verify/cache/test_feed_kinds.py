"""The change feed acts on the certificate events that change a verify answer, and only on them.

A certificate's view (``verify/queries.py``) reflects its issue, its status events (revoked, reissued,
replaced) and its newest print (reprinted); its ``revision`` is the newest of their indexes. Other
``certificate.*`` events change no answer: a document handed out (``certificate.document``, one per PDF
download), a credential backfilled (``certificate.credential``, served uncached), the origin of an imported
certificate (``certificate.imported``, committed with its issue). The feed used to treat them as changes: it
dropped the number's cached answers and remembered the event's index, which no view's revision ever reaches,
so with a read replica every later load of that number went to the primary."""

from __future__ import annotations

from datetime import UTC, datetime

from registry.certificates import revoke
from registry.events import EventKind, NewEvent, append_event
from tests.integration.verify.cache.feeds import started_feed
from tests.integration.verify.world import World


async def test_an_event_that_changes_no_answer_leaves_the_number_alone(world: World) -> None:
    number = world.valid.number
    feed = await started_feed(world)
    generation = feed.cache.generation
    async with world.database.transaction() as session:
        for kind in (EventKind.CERTIFICATE_DOCUMENT, EventKind.CERTIFICATE_CREDENTIAL):
            event = NewEvent(kind=kind, subject=number, actor="test", details={"variant": "e"}, at=datetime.now(UTC))
            await append_event(session, event)
    await feed.poll()
    view, _ = await feed.views.get(number)
    assert view is not None
    assert feed.revisions.known(number) <= view.revision  # not "behind": a replica's view is as good
    assert feed.cache.generation == generation  # nothing invalidated


async def test_a_revocation_is_still_a_change(world: World) -> None:
    number = world.valid.number
    feed = await started_feed(world)
    generation = feed.cache.generation
    async with world.database.transaction() as session:
        await revoke(session, number, reason="测试撤销", actor="test")
    await feed.poll()
    view, _ = await feed.views.get(number)
    assert view is not None
    assert view.status == "revoked"
    assert feed.revisions.known(number) == view.revision
    assert feed.cache.generation > generation

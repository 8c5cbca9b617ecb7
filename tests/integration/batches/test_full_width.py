"""Full-width characters from a Chinese IME in full-width mode (ＡＢＣ１２３, a full-width Ｘ, the ideographic
space U+3000) are read as their ASCII at the edge (NFKC) before any check, so a row typed that way is the row
typed in ASCII: accepted, and kept in the registry's one form (docs/batches.md)."""

from __future__ import annotations

from sqlalchemy import select

from registry.db import Database
from registry.models import BatchRow
from tests.factories import ELECTRICIAN
from tests.factories.world import resident_id
from tests.integration.batches.helpers import Client, csv_file, good_rows, post_batch


def full_width(text: str) -> str:
    """ASCII letters, digits and signs as the full-width forms an IME types (``A`` → ``Ａ``)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def test_a_row_typed_in_full_width_is_the_row_typed_in_ascii(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    rows = [
        *good_rows(1),
        ["张\u3000三\u3000", "\u3000" + full_width(resident_id(5)), full_width(ELECTRICIAN), full_width("4")],
        [full_width("MARY") + "\u3000" + full_width("SMITH"), full_width("11010519491231002X"), ELECTRICIAN, "4"],
    ]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows))
    assert submitted.status_code == 201, submitted.text
    answer = submitted.json()
    assert answer["bad_rows"] == [], answer["bad_rows"]
    async with world.reader() as session:
        kept = list(
            await session.execute(
                select(BatchRow.holder_name, BatchRow.holder_id_masked, BatchRow.level).order_by(BatchRow.row_no)
            )
        )
    assert [tuple(r) for r in kept[1:]] == [
        ("张三", resident_id(5)[:6] + "********" + resident_id(5)[-4:], 4),
        ("MARY SMITH", "110105********002X", 4),
    ]

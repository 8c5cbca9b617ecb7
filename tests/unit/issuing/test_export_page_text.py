"""The export's page query, compiled once and split where ``after`` goes (issuer/issuing/exports.py), renders
exactly what compiling it for each page rendered, for every ``after`` a page can start from."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql

from issuer.issuing.exports import _PAGE_QUERY, MAX_EVENT_ID, PAGE, _page_text


@pytest.mark.parametrize("after", [-1, 0, 1, 1999, 10**6, 7_777_777_777_777_777_776, MAX_EVENT_ID - 1])
def test_the_page_text_is_the_query_compiled_for_that_page(after: int) -> None:
    dialect = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]
    compiled = _PAGE_QUERY.params(after=after, page=PAGE).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True}
    )
    before, behind = _page_text(dialect)
    assert f"{before}{after}{behind}" == str(compiled)
    assert f"> {after}" in str(compiled)  # the value is where the keyset condition compares it

"""Shared steps of the person look-up tests."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from verify.person.pow import solve

#: A valid resident ID that no test certificate is issued under (a person without certificates).
NOBODY = "11010519491231002X"
#: Person limits out of reach unless a test sets them (the verify world's apps set the public ones).
OPEN = {
    "person_rate_per_minute": 100_000,
    "person_nojs_rate_per_minute": 100_000,
    "person_id_rate_per_minute": 100_000,
    "person_pow_bits": 4,
}


async def person_json(
    client: AsyncTestClient[Litestar], name: str, id_number: str, id_type: str = "resident_id"
) -> Any:
    response = await client.post("/v1/verify", json={"name": name, "id_type": id_type, "id_number": id_number})
    assert response.status_code == 200, response.text
    return response.json()


async def person_form(
    client: AsyncTestClient[Litestar],
    name: str,
    id_number: str,
    *,
    id_type: str = "resident_id",
    lang: str = "zh",
    work: bool = True,
) -> Any:
    """Open the person tab and post it, with the proof of work done as the page's script does (or not)."""
    page = await client.get("/", params={"mode": "person"} | ({"lang": "en"} if lang == "en" else {}))
    assert page.status_code == 200, page.text
    challenge = re.search(r'name="challenge" value="([^"]+)"', page.text)
    bits = re.search(r'data-bits="(\d+)"', page.text)
    assert challenge
    assert bits
    fields = {"name": name, "id_type": id_type, "id_number": id_number, "lang": lang, "challenge": "", "nonce": ""}
    if work:
        fields["challenge"] = challenge.group(1)
        fields["nonce"] = solve(
            challenge.group(1), id_type=id_type, id_number=id_number, name=name, bits=int(bits.group(1))
        )
    return await client.post("/person", data=fields)

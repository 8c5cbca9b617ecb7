"""The query parameters the issuer's routes read themselves (to refuse a wrong value with their own bilingual
message) list in the document the values they take: the document said "any string", so a client generated
from it sent ``variant=x`` and got a 400 it had no way to foresee."""

from __future__ import annotations

import pytest

from tests.support import make_settings
from tests.support_apps import issuer_client

CHOICES = [
    ("/v1/certificates/{number}/certificate.pdf", "variant", ["print", "electronic"]),
    ("/v1/batches/{batch_id}/certificates.zip", "variant", ["print", "electronic"]),
    ("/v1/batches/{batch_id}/qr.zip", "mode", ["token", "short"]),
    ("/v1/documents/test-print.pdf", "kind", ["qualification", "skill_level", "special_ability"]),
]


@pytest.mark.parametrize(("path", "name", "values"), CHOICES)
async def test_a_choice_read_by_the_route_lists_its_values(
    db_url: str, path: str, name: str, values: list[str]
) -> None:
    async with issuer_client(make_settings(database_url=db_url)) as client:
        document = (await client.get("/schema/openapi.json")).json()
    (parameter,) = [p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name]
    assert sorted(parameter["schema"]["enum"]) == sorted(values)

"""The bounds of integer parameters are written in the OpenAPI document as the integers the server checks.

litestar wrote a parameter's ``ge``/``le`` as floats: the largest batch id, 2**63 - 1, became
``9.223372036854776e+18`` (2**63 read back, and more when read as the decimal it prints), so a client that took
the document's maximum was refused with a 400; the log's 2**62 the same, and ``1000.0`` for a page size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.verify.world import verify_client
from tests.support import make_settings
from tests.support_apps import issuer_client

BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def integer_bounds(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """(where, value) of every bound of an ``integer`` schema in ``node``."""
    if isinstance(node, dict):
        if node.get("type") == "integer" or {"type": "integer"} in node.get("oneOf", []):
            yield from ((f"{where}/{key}", node[key]) for key in BOUNDS if key in node)
        for key, value in node.items():
            yield from integer_bounds(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from integer_bounds(value, f"{where}/{i}")


@pytest.mark.parametrize("app", ["verify", "issuer"])
async def test_integer_bounds_are_integers(db_url: str, app: str) -> None:
    opened = verify_client(db_url) if app == "verify" else issuer_client(make_settings(database_url=db_url))
    async with opened as client:
        text = (await client.get("/schema/openapi.json")).content
    found = list(integer_bounds(json.loads(text, parse_float=Decimal)))
    assert found  # the batch ids, pages, leaf indexes and list numbers
    assert [(where, value) for where, value in found if not isinstance(value, int)] == []


async def test_the_documented_largest_batch_id_is_taken(db_url: str) -> None:
    """What a client generated from the document sends: the largest batch id it allows is no such batch (404),
    not a malformed one (400)."""
    async with issuer_client(make_settings(database_url=db_url)) as client:
        document = json.loads((await client.get("/schema/openapi.json")).content, parse_float=Decimal)
        (parameter,) = [p for p in document["paths"]["/v1/notice/{batch_id}"]["get"]["parameters"] if p["in"] == "path"]
        largest = int(parameter["schema"]["maximum"])
        response = await client.get(f"/v1/notice/{largest}")
    assert largest == 2**63 - 1
    assert response.status_code == 404, response.text

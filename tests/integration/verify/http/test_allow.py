"""``OPTIONS`` on a route answers ``Allow`` with every method of that route, in both apps.

litestar 2 made a path's ``OPTIONS`` answer when the path's first handler was registered and kept it when more
joined (litestar-org/litestar#4169): ``OPTIONS /v1/batches`` said ``Allow: GET, OPTIONS``, so a client that
reads ``Allow`` (the OpenAPI fuzzers do) took the documented upload for a route that does not exist.
"""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from tests.integration.verify.world import verify_client
from tests.support import make_settings
from tests.support_apps import issuer_client

#: A value each kind of path parameter takes (an int parameter's route is also reached by "1").
_PARAMETER = re.compile(r"\{\w+:(\w+)\}")
_VALUES = {"int": "1"}


def concrete(path: str) -> str:
    """``path`` with a value in each of its parameters."""
    return _PARAMETER.sub(lambda match: _VALUES.get(match.group(1), "x"), path)


async def allow_of_every_route(client: AsyncTestClient[Litestar]) -> dict[str, tuple[set[str], set[str]]]:
    """Route path → (its methods, what ``OPTIONS`` on it answers in ``Allow``)."""
    answers: dict[str, tuple[set[str], set[str]]] = {}
    for route in client.app.routes:
        if isinstance(route, HTTPRoute):
            response = await client.options(concrete(route.path))
            assert response.status_code == 204, (route.path, response.status_code, response.text)
            answers[route.path] = (set(route.methods), set(response.headers["allow"].split(", ")))
    return answers


@pytest.mark.parametrize("app", ["verify", "issuer"])
async def test_options_allows_every_method_of_its_route(db_url: str, app: str) -> None:
    opened = verify_client(db_url) if app == "verify" else issuer_client(make_settings(database_url=db_url))
    async with opened as client:
        answers = await allow_of_every_route(client)
    wrong = {path: allow for path, (methods, allow) in answers.items() if allow != methods}
    assert wrong == {}
    if app == "issuer":  # the upload shares its path with the list of batches; the console's forms theirs
        assert answers["/v1/batches"][1] == {"GET", "POST", "OPTIONS"}
        assert answers["/console/login"][1] == {"GET", "POST", "OPTIONS"}
    assert answers["/schema"][1] == {"GET", "HEAD", "OPTIONS"}  # the documents' HEAD twins (apidocs.py)

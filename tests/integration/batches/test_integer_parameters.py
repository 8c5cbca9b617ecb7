"""Every integer parameter of every route, path or query, is bounded at the edge: a value past what the
database holds (or below zero) is a bilingual 400, never a 500 from the driver (issue 10, item 10).

The routes are walked from the apps themselves (their handlers' signatures), so a route added later with an
unbounded integer fails here without anyone listing it. A batch exists, so ``/v1/batches/1?offset=…`` reaches
the database rather than stopping at "no such batch".
"""

from __future__ import annotations

import html
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from issuer.auth.roles import Role
from registry.config import Settings
from registry.db import Database
from tests.factories import PROVINCE
from tests.integration.batches.conftest import auth
from tests.integration.batches.helpers import Client, bilingual, csv_file, good_rows, post_batch
from tests.support_console import create_staff, csrf_of_page, sign_in
from verify.app import create_app as create_verify_app

HUGE = "99999999999999999999"  # > 2**63 - 1
OUT_OF_RANGE = (HUGE, f"-{HUGE}", str(2**63))


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    query: dict[str, str]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.query}"


def _is_int(annotation: object) -> bool:
    if annotation is int:
        return True
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and int in typing.get_args(annotation)


def probes(app: Litestar, valid: str) -> Iterator[Probe]:
    """One request per (route, integer parameter, out-of-range value); the route's other integers are ``valid``."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            methods = sorted(m for m in handler.http_methods if m not in ("OPTIONS", "HEAD"))
            if not methods:
                continue
            params = handler.parsed_fn_signature.parameters
            integers = {name: p for name, p in params.items() if _is_int(p.annotation)}
            for target in integers:
                for bad in OUT_OF_RANGE:
                    path, query = route.path, {}
                    for name, param in integers.items():
                        value = bad if name == target else valid
                        if f"{{{name}:int}}" in path:
                            path = path.replace(f"{{{name}:int}}", value)
                        else:
                            key = getattr(param.kwarg_definition, "query", None) or name
                            query[key] = value
                    yield Probe(methods[0], path, query)


def test_the_walk_finds_the_integer_parameters_of_both_apps(settings: Settings) -> None:
    """The walk itself is checked: it must see the routes issue 10 named, or the tests below prove nothing."""
    from issuer.app import create_app

    seen = {str(p) for p in probes(create_app(settings), "1")}
    assert f"GET /v1/batches {{'offset': '{HUGE}', 'limit': '1'}}" in seen
    assert f"GET /v1/batches/1 {{'offset': '{HUGE}', 'limit': '1'}}" in seen
    assert any(p.startswith(f"GET /v1/notice/1 {{'page': '{HUGE}'") for p in seen)
    verify_seen = {str(p) for p in probes(create_verify_app(settings), "1")}
    assert any(p.startswith("GET /v1/log/entries") for p in verify_seen)


def _message(response: Any) -> str:
    """The API's ``error``; a console page's refusal or error page (``/console/``: pages, not JSON); a public
    page's message (``/log/{index}``, ``/notice``: a page in the reader's language, Chinese unless ``?lang=en``)
    with the same page's in English."""
    if response.headers.get("content-type", "").startswith("text/html"):
        found = re.search(r'(?:id="refusal"|data-testid="error-message")[^>]*>(.*?)</p>', response.text, re.DOTALL)
        if found is None:
            found = re.search(r'id="message"[^>]*>(.*?)</p>', response.text, re.DOTALL)
        return html.unescape(found.group(1)) if found else ""
    return str(response.json()["error"])


async def _refused_everywhere(client: Client, app: Litestar, headers: dict[str, str]) -> None:
    failures = []
    for probe in probes(app, "1"):
        body: dict[str, object] | None = {} if probe.method == "POST" else None
        response = await client.request(probe.method, probe.path, params=probe.query, json=body, headers=headers)
        message = _message(response)
        if 'id="message"' in response.text:  # a public page: its message, then the English page's
            english = await client.request(probe.method, probe.path, params={**probe.query, "lang": "en"})
            message = f"{message} / {_message(english)}"
        if response.status_code != 400 or not bilingual(message):
            failures.append(f"{probe}: {response.status_code} {response.text[:100]}")
    assert not failures, "\n".join(failures)


async def test_every_integer_parameter_of_the_issuer_app_is_bounded(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    submitted = await post_batch(client, tokens["institution"], csv_file(good_rows(2)))
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["batch"]["id"] == 1
    # the console's routes too, signed in there (a session; its CSRF token in the header a script would send)
    await create_staff(world, login="bounds", role=Role.PROVINCE_ADMIN, org_code=PROVINCE)
    await sign_in(client, "bounds")
    headers = {**auth(tokens["province_admin"]), "X-CSRF-Token": await csrf_of_page(client)}
    await _refused_everywhere(client, client.app, headers)
    # the bound itself is served: an empty page, not a driver overflow
    for path in ("/v1/batches", "/v1/batches/1"):
        page = await client.get(path, params={"offset": str(2**63 - 1)}, headers=auth(tokens["province_admin"]))
        assert page.status_code == 200, page.text


async def test_every_integer_parameter_of_the_verify_app_is_bounded(settings: Settings, world: Database) -> None:
    app = create_verify_app(settings)
    async with AsyncTestClient(app) as client:
        await _refused_everywhere(client, app, {})


def _not_numbers(app: Litestar) -> Iterator[tuple[Probe, str]]:
    """One request per (route, integer path parameter) with ``abc`` in its place, the route's other integers
    ``1``: litestar's router had answered 404 ("no such page") for a path naming a real route with a mistyped
    number."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        methods = sorted(m for h in route.route_handlers for m in h.http_methods if m not in ("OPTIONS", "HEAD"))
        for target in re.findall(r"\{(\w+):int\}", route.path):
            path = route.path.replace(f"{{{target}:int}}", "abc")
            path = re.sub(r"\{\w+:int\}", "1", path)
            path = re.sub(r"\{\w+:str\}", "430000", path)
            yield Probe(methods[0], path, {}), target


async def _not_a_number_everywhere(client: Client, app: Litestar, headers: dict[str, str]) -> None:
    failures, seen = [], 0
    for probe, name in _not_numbers(app):
        seen += 1
        body: dict[str, object] | None = {} if probe.method == "POST" else None
        response = await client.request(probe.method, probe.path, json=body, headers=headers)
        message = _message(response)
        if 'id="message"' in response.text:  # a public page: its message, then the English page's
            english = await client.request(probe.method, probe.path, params={"lang": "en"})
            message = f"{message} / {_message(english)}"
        if response.status_code != 400 or not bilingual(message) or name not in message or "abc" in message:
            failures.append(f"{probe} ({name}): {response.status_code} {message[:200]}")
    assert seen, "no integer path parameter found"
    assert not failures, "\n".join(failures)


async def test_a_path_number_that_is_not_a_number_is_a_400_naming_it_in_the_issuer_app(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    await create_staff(world, login="numbers", role=Role.PROVINCE_ADMIN, org_code=PROVINCE)
    await sign_in(client, "numbers")
    headers = {**auth(tokens["province_admin"]), "X-CSRF-Token": await csrf_of_page(client)}
    await _not_a_number_everywhere(client, client.app, headers)


async def test_a_path_number_that_is_not_a_number_is_a_400_naming_it_in_the_verify_app(
    settings: Settings, world: Database
) -> None:
    app = create_verify_app(settings)
    async with AsyncTestClient(app) as client:
        await _not_a_number_everywhere(client, app, {})

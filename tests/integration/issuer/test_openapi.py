"""The all-in-one (issuer) app's OpenAPI document is complete and true (issue 18).

Generic on purpose: it walks every route of the app, so a route added later is checked once it exists.
- The document is valid (openapi-spec-validator) and holds every route, except pages for people, probes and
  the documentation itself (:data:`UNDOCUMENTED`; the staff console's HTML routes are left out of the schema).
- Every operation has a readable operation id, a summary, a description, a description per response, and
  an example for every request body and every response that has a JSON or text body; each example
  validates against the schema the document gives it.
- Every route that takes an issuer token names the bearer scheme, and refuses a request without one (401).
- For every issuer operation, each documented error status is provoked (:func:`provoke`: generic ways per
  status, and :data:`SPECIFIC` for those that need a particular state) and the answer is
  ``application/problem+json`` matching the documented schema.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from jsonschema import Draft202012Validator
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate

from issuer.app import create_app
from issuer.identity import kek as kek_module
from issuer.identity.kek import KEK_FILE_NAME
from issuer.openapi import BEARER
from issuer.runtime import IssuerRuntime
from registry.db import Database
from tests.factories import ELECTRICIAN, SKILL_INSTITUTION
from tests.factories.tokens import bearer, make_tokens
from tests.factories.world import resident_id
from tests.integration.batches.helpers import csv_file, good_rows
from tests.integration.issuing.batches import Row, make_batch, rows_of
from tests.integration.issuing.conftest import TOKENS, World, world  # noqa: F401 - the world fixture
from tests.integration.issuing.sealed import seal_and_issue
from tests.integration.verify.test_query import UNKNOWN
from tests.support import make_settings

#: Paths left out of the document on purpose: pages for people, probes, metrics, the docs, the console.
UNDOCUMENTED = ("/q/", "/Q/", "/c/", "/log/", "/person", "/health/", "/metrics", "/static/", "/notice", "/schema",
                "/console")  # fmt: skip
READABLE_ID = re.compile(r"[a-z][a-zA-Z0-9]+")
XLSX = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = (
    "application/zip",
    "application/pdf",
    "image/png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
MAX_UPLOAD = 64 * 1024
DAY = timedelta(days=1)
#: The order tokens are tried in when looking for a 403: the narrowest first.
TRY_ORDER = ("other_city", "station", "site", "institution", "province_reviewer", "city")


@dataclass
class Ctx:
    """The world the requests act on: tokens, a submitted batch, an issued batch and its certificates."""

    client: AsyncTestClient[Litestar]
    document: dict[str, Any]
    headers: dict[str, Any]
    database: Database
    submitted: int = 0
    under_notice: int = 0
    issued: int = 0
    noticing: int = 0  # under notice, the notice still running
    duplicate: int = 0  # under notice, its one row the holder of a valid certificate
    number: str = ""
    revoked: str = ""
    fresh: int = 0  # issued, sealed, its files never asked for
    fresh_number: str = ""
    unsealed: str = ""
    key_dir: Path = Path()

    async def send(
        self, method: str, path: str, *, who: str = "province_admin", body: Any = None, form: Any = None,
        query: dict[str, str] | None = None,
    ) -> httpx.Response:  # fmt: skip
        headers = dict(self.headers[who])
        if form is not None:
            data, files = form
            return await self.client.request(method, path, headers=headers, data=data, files=files, params=query)
        return await self.client.request(method, path, headers=headers, json=body, params=query)


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in document["paths"].items() for m, op in ops.items() if m != "parameters"]


def _schema(document: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    return {**content["schema"], "components": document["components"]}


def _issuer_operation_ids(app: Litestar) -> set[str]:
    """Operation ids of the routes the issuer package serves (the verify routes have their own test)."""
    ids = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.fn.__module__.startswith("issuer.") and isinstance(handler.operation_id, str):
                ids.add(handler.operation_id)
    return ids


def _example_values(content: dict[str, Any]) -> list[Any]:
    values = [e["value"] for e in (content.get("examples") or {}).values()]
    return values + ([content["example"]] if "example" in content else [])


@pytest.fixture
async def ctx(world: World, db_url: str) -> Any:  # noqa: F811 - the fixture imported above
    tokens = await make_tokens(world.database, TOKENS)
    headers = {"none": {}, **{name: bearer(token) for name, token in tokens.items()}}
    settings = make_settings(database_url=db_url, key_dir=str(world.key_dir), max_upload_bytes=MAX_UPLOAD)
    app = create_app(settings)
    async with AsyncTestClient(app) as client:
        document = (await client.get("/schema/openapi.json")).json()
        context = Ctx(client, document, headers, world.database)
        context.app = app  # type: ignore[attr-defined]
        upload = await context.send("POST", "/v1/batches", who="institution", form=_form("submitBatch"))
        assert upload.status_code == 201, upload.text
        context.submitted = upload.json()["batch"]["id"]
        context.under_notice = await make_batch(world.database, rows_of(2))
        context.issued, _ = await seal_and_issue(world.database, world.store, settings, rows_of(3))
        context.noticing = await make_batch(world.database, rows_of(2), notice_ends_at=datetime.now(UTC) + DAY)
        issued = await context.send("POST", f"/v1/batches/{context.issued}/issue", body={})  # idempotent
        assert issued.status_code == 200, issued.text
        context.number, context.revoked, _ = issued.json()["numbers"]
        revoke = await context.send("POST", f"/v1/certificates/{context.revoked}/revoke", body={"reason": "test"})
        assert revoke.status_code == 200, revoke.text
        context.duplicate = await make_batch(world.database, rows_of(1))
        others = [Row(name=f"备用{i}", holder_id=resident_id(900 + i)) for i in range(2)]
        context.fresh, certificates = await seal_and_issue(world.database, world.store, settings, others)
        context.fresh_number = certificates[0].number
        context.key_dir = world.key_dir
        plain = await make_batch(world.database, [Row(name="无封存", holder_id=resident_id(950))])
        issued = await context.send("POST", f"/v1/batches/{plain}/issue", body={})
        assert issued.status_code == 200, issued.text
        (context.unsealed,) = issued.json()["numbers"]  # no sealed document number: no certificate drawn
        yield context


def _form(operation_id: str, *, file: bytes | None = None) -> tuple[dict[str, str], dict[str, Any]]:
    """A multipart body that the route accepts: a good results file and the form's documented examples."""
    rows = csv_file(good_rows(2, subject=ELECTRICIAN)) if file is None else file
    fields = {"submitBatch": {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"},
              "importLegacyCertificates": {"source": "旧系统 / old system"}}.get(operation_id, {})  # fmt: skip
    return fields, {"file": ("results.csv", rows, "text/csv")}


def _path(template: str, ctx: Ctx, *, batch: int | None = None, number: str | None = None) -> str:
    batch_id = ctx.submitted if batch is None else batch
    return template.replace("{batch_id}", str(batch_id)).replace("{number}", number or ctx.number)


def _body(op: dict[str, Any]) -> Any:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    return _example_values(content)[0] if content else None


Provoker = Callable[[Ctx, str, str, dict[str, Any]], Awaitable[httpx.Response | None]]


async def _request(ctx: Ctx, method: str, path: str, op: dict[str, Any], **kwargs: Any) -> httpx.Response:
    """The route's documented request (its example body or form) with ``kwargs`` changed."""
    if "multipart/form-data" in op.get("requestBody", {}).get("content", {}):
        kwargs.setdefault("form", _form(op["operationId"]))
    else:
        kwargs.setdefault("body", _body(op))
    return await ctx.send(method.upper(), path, **kwargs)


async def _unauthorised(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    return await _request(ctx, method, _path(template, ctx), op, who="none")


async def _forbidden(
    ctx: Ctx, method: str, template: str, op: dict[str, Any], query: dict[str, str] | None = None
) -> httpx.Response | None:
    for batch in (ctx.submitted, ctx.under_notice, ctx.issued):
        for who in TRY_ORDER:
            path = _path(template, ctx, batch=batch)
            response = await _request(ctx, method, path, op, who=who, query=query)
            if response.status_code == 403:
                return response
    return None


async def _not_found(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response | None:
    path = _path(template, ctx, batch=2**40, number=UNKNOWN)
    if path == template:  # no id in the path: a form naming an unknown institution
        fields, files = _form(op["operationId"])
        return await _request(ctx, method, path, op, form=({**fields, "institution": "NOPE"}, files))
    return await _request(ctx, method, path, op)


async def _bad_request(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response | None:
    attempts: list[dict[str, Any]] = [
        {"path": _path(template, ctx, batch=0, number="12345")},
        {"body": {"unexpected": 1}},
        {
            "query": {
                "limit": "0",
                "page": "0",
                "kind": "nope",
                "since": "x",
                "state": "nope",
                "status": "nope",
                "mode": "nope",
            }
        },
        {"form": ({"unexpected": "1"}, {"file": ("a.csv", b"x", "text/csv")})},
    ]
    for attempt in attempts:
        path = attempt.pop("path", _path(template, ctx))
        if "form" in attempt and "multipart/form-data" not in op.get("requestBody", {}).get("content", {}):
            continue
        response = await _request(ctx, method, path, op, **attempt)
        if response.status_code == 400:
            return response
    return None


async def _conflict(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response | None:
    for batch in (ctx.issued, ctx.submitted, ctx.under_notice, ctx.noticing):
        for number in (ctx.revoked, ctx.unsealed):
            response = await _request(ctx, method, _path(template, ctx, batch=batch, number=number), op)
            if response.status_code == 409:
                return response
    return None


async def _too_large(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    form = _form(op["operationId"], file=b"x" * (MAX_UPLOAD + 1))
    return await _request(ctx, method, _path(template, ctx), op, form=form)


async def _not_multipart(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    return await ctx.send(method.upper(), _path(template, ctx), body={"file": "results.csv"})


async def _unprocessable(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response | None:
    if "multipart/form-data" in op.get("requestBody", {}).get("content", {}):
        form = _form(op["operationId"], file=csv_file([["张三"]], header=("姓名",)))
        return await _request(ctx, method, _path(template, ctx), op, form=form)
    return None


async def _unknown_rows(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    body = {**_body(op), "rows": [999]}
    batch = {"excludeBatchRows": ctx.submitted, "recordBatchObjection": ctx.noticing}.get(
        op["operationId"], ctx.under_notice
    )
    return await _request(ctx, method, _path(template, ctx, batch=batch), op, body=body)


async def _bad_correction(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    body = {"reason": "test", "subject_code": "6-99-99-99"}  # well-formed, not in the catalogue
    return await _request(ctx, method, _path(template, ctx), op, body=body)


async def _unavailable(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    """The identity key-encryption key file gone (a server fault, never the caller's): sealed document numbers
    and photos cannot be opened. On a batch issued for this, whose files were never built."""
    kek = ctx.key_dir / KEK_FILE_NAME
    kek.rename(kek.with_suffix(".hidden"))
    opened = dict(kek_module._opened)
    kek_module._opened.clear()
    try:
        return await _request(ctx, method, _path(template, ctx, batch=ctx.fresh, number=ctx.fresh_number), op)
    finally:
        kek.with_suffix(".hidden").rename(kek)
        kek_module._opened.update(opened)


async def _ineligible(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    return await _request(ctx, method, _path(template, ctx, batch=ctx.duplicate), op)


GENERIC: dict[int, Provoker] = {
    400: _bad_request,
    401: _unauthorised,
    403: _forbidden,
    404: _not_found,
    409: _conflict,
    413: _too_large,
    415: _not_multipart,
    422: _unprocessable,
    503: _unavailable,
}


async def _cannot_sign(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    """The key passphrase unset (a server fault): the signing key store cannot be opened (``keys.unavailable``)."""
    runtime: IssuerRuntime = ctx.app.state["issuer"]  # type: ignore[attr-defined]
    settings = runtime.settings
    runtime.settings = msgspec.structs.replace(
        settings, keys=msgspec.structs.replace(settings.keys, key_passphrase=None)
    )
    runtime._keystore = None
    try:
        return await _request(ctx, method, _path(template, ctx), op)
    finally:
        runtime.settings, runtime._keystore = settings, None


async def _no_province_key(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    """A province whose signing key was never made (``certreg keys new`` not run yet): a valid source, and the
    runtime's profile naming a province authority without an active key."""
    runtime: IssuerRuntime = ctx.app.state["issuer"]  # type: ignore[attr-defined]
    profile = runtime.profile
    runtime.profile = msgspec.structs.replace(profile, province_region="650000")
    fields, files = _form(op["operationId"])
    try:
        return await _request(ctx, method, _path(template, ctx), op, form=({**fields, "source": "hunan-osta"}, files))
    finally:
        runtime.profile = profile


async def _forbidden_test_print(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response | None:
    return await _forbidden(ctx, method, template, op, query={"kind": "skill_level"})  # kind is required


async def _listing_out_of_reach(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response | None:
    """The list filtered on the world's institution by the other region's city centre: 403."""
    return await _forbidden(ctx, method, template, op, query={"institution": SKILL_INSTITUTION})


async def _listing_not_ours(ctx: Ctx, method: str, template: str, op: dict[str, Any]) -> httpx.Response:
    """The list filtered on an institution not the token's own, by an institution: 404 (as for an unknown one)."""
    return await ctx.send(method.upper(), template, who="institution", query={"institution": "NOPE"})


#: (operation id, status) → how to provoke it, where the generic way cannot.
SPECIFIC: dict[tuple[str, int], Provoker] = {
    ("listBatches", 403): _listing_out_of_reach,
    ("listBatches", 404): _listing_not_ours,
    ("excludeBatchRows", 422): _unknown_rows,
    ("recordBatchObjection", 422): _unknown_rows,
    ("holdBatchRows", 422): _unknown_rows,
    ("resolveBatchObjection", 422): _unknown_rows,
    ("replaceCertificate", 422): _bad_correction,
    ("issueBatch", 422): _ineligible,
    ("getTestPrintPdf", 403): _forbidden_test_print,
    ("importLegacyCertificates", 503): _cannot_sign,
    ("importLegacyCertificates", 409): _no_province_key,
}


async def provoke(ctx: Ctx, method: str, template: str, op: dict[str, Any], status: int) -> httpx.Response | None:
    """A response of ``status`` from the operation, or ``None`` when no known way gives one."""
    provoker = SPECIFIC.get((op["operationId"], status)) or GENERIC.get(status)
    return None if provoker is None else await provoker(ctx, method, template, op)


async def test_the_document_is_valid_and_lists_every_route(ctx: Ctx) -> None:
    validate(ctx.document)
    documented = set(ctx.document["paths"])
    app: Litestar = ctx.app  # type: ignore[attr-defined]
    routes = [route for route in app.routes if isinstance(route, HTTPRoute)]
    for route in routes:
        if any(handler.resolve_include_in_schema() for handler in route.route_handlers):
            assert route.path_format in documented, route.path_format
        else:  # left out on purpose: pages for people, probes, the docs, the console (README "The API contract")
            assert route.path_format.startswith(UNDOCUMENTED) or route.path_format == "/", route.path_format


async def test_every_operation_is_described_with_examples(ctx: Ctx) -> None:
    document = ctx.document
    missing: list[tuple[str, ...]] = []
    for method, path, op in _operations(document):
        where = f"{method.upper()} {path}"
        if not READABLE_ID.fullmatch(op["operationId"]):
            missing.append((where, "operation id", op["operationId"]))
        if not (op.get("summary") and op.get("description")):
            missing.append((where, "summary and description"))
        for content in op.get("requestBody", {}).get("content", {}).values():
            missing += [(where, "request", *problem) for problem in _example_problems(document, content)]
        for status, response in op["responses"].items():
            if not response.get("description"):
                missing.append((where, status, "description"))
            for media_type, content in response.get("content", {}).items():
                if media_type not in BINARY and method != "head":
                    missing += [(where, status, *problem) for problem in _example_problems(document, content)]
    assert missing == []


def _example_problems(document: dict[str, Any], content: dict[str, Any]) -> list[tuple[str, ...]]:
    """Why the examples of ``content`` fall short: none, or one its schema refuses (a form's file aside)."""
    values = _example_values(content)
    if not values:
        return [("no example",)]
    validator = Draft202012Validator(_schema(document, content))
    found: list[tuple[str, ...]] = []
    for value in values:
        checked = {**value, "file": ""} if isinstance(value, dict) and "file" in value else value  # a form's file
        found += [("example refused", e.message[:120]) for e in validator.iter_errors(checked)]
    return found


async def test_every_issuer_route_names_the_bearer_scheme_and_needs_a_token(ctx: Ctx) -> None:
    assert ctx.document["components"]["securitySchemes"][BEARER]["scheme"] == "bearer"
    app: Litestar = ctx.app  # type: ignore[attr-defined]
    ours = _issuer_operation_ids(app)
    assert len(ours) > 20
    for method, path, op in _operations(ctx.document):
        if op["operationId"] not in ours or "401" not in op["responses"]:
            continue
        assert op.get("security") == [{BEARER: []}], op["operationId"]
        response = await _unauthorised(ctx, method, path, op)
        assert response.status_code == 401, (op["operationId"], response.text)


async def test_every_documented_error_of_the_issuer_routes_is_what_is_sent(ctx: Ctx) -> None:
    app: Litestar = ctx.app  # type: ignore[attr-defined]
    ours = _issuer_operation_ids(app)
    unprovoked = []
    for method, path, op in _operations(ctx.document):
        if op["operationId"] not in ours:
            continue
        for status_text, documented in op["responses"].items():
            status = int(status_text)
            if status < 400:
                continue
            response = await provoke(ctx, method, path, op, status)
            if response is None or response.status_code != status:
                got = None if response is None else (response.status_code, response.text[:300])
                unprovoked.append((op["operationId"], status, got))
                continue
            ((media_type, content),) = documented["content"].items()
            assert response.headers["content-type"].startswith(media_type), (op["operationId"], status)
            body = response.json()
            errors = [e.message for e in Draft202012Validator(_schema(ctx.document, content)).iter_errors(body)]
            assert errors == [], (op["operationId"], status, errors)
            assert body["status"] == status
            assert body["message_zh"], (op["operationId"], status)
            assert body["message_en"], (op["operationId"], status)
    assert unprovoked == []


#: The operations whose body carries a required reason (a review's: to return the batch).
REASON_OPERATIONS = {
    "excludeBatchRows", "reviewBatch", "approveBatch", "recordBatchObjection", "holdBatchRows",
    "resolveBatchObjection", "revokeCertificate", "reissueCertificate", "replaceCertificate",
    "readCertificateIdentity",
}  # fmt: skip


async def test_every_route_that_takes_a_reason_documents_the_one_refusal_of_an_empty_one(ctx: Ctx) -> None:
    """An empty reason is one input error: 400 ``reason.required`` with one message on every route (it was a
    422 with other words on the batch steps), and the document says so on each."""
    refusal = {"code": "reason.required", "error": "必须填写原因 / a reason is required", "field": "reason"}
    found = {}
    for _, _, op in _operations(ctx.document):
        if op["operationId"] not in REASON_OPERATIONS:
            continue
        (content,) = op["responses"]["400"]["content"].values()
        (example,) = _example_values(content)
        found[op["operationId"]] = {key: example.get(key) for key in refusal}
    assert found == dict.fromkeys(REASON_OPERATIONS, refusal)


def _reason_limits(document: dict[str, Any], schema: dict[str, Any]) -> list[Any]:
    """The ``maxLength`` of each ``reason`` property a request body's schema has (through refs and unions)."""
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    found = [
        limit
        for key in ("oneOf", "anyOf", "allOf")
        for part in schema.get(key, ())
        for limit in _reason_limits(document, part)
    ]
    if "reason" in schema.get("properties", {}):
        found.append(schema["properties"]["reason"].get("maxLength"))
    return found


async def test_every_reason_in_a_request_body_has_the_one_limit(ctx: Ctx) -> None:
    """One limit for every reason, 500 characters, and the document says it: a batch step's body said 1,000,
    a certificate's change nothing (its service then refused past 500)."""
    limits = {
        op["operationId"]: limit
        for _, _, op in _operations(ctx.document)
        for content in op.get("requestBody", {}).get("content", {}).values()
        for limit in _reason_limits(ctx.document, content["schema"])
    }
    assert set(limits) == REASON_OPERATIONS | {"issueBatch", "startBatchNotice"}
    assert limits == dict.fromkeys(limits, 500)


async def test_the_issue_reason_is_documented_optional_even_empty(ctx: Ctx) -> None:
    """``/issue``'s reason is optional: omitted, empty or blank records the default; the document says so."""
    (op,) = (op for _, _, op in _operations(ctx.document) if op["operationId"] == "issueBatch")
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    for part in schema.get("oneOf", [schema]):
        if "$ref" in part:
            schema = ctx.document["components"]["schemas"][part["$ref"].rsplit("/", 1)[1]]
    assert "reason" not in schema.get("required", [])
    assert "省略、为空或仅含空白时记为默认原因" in schema["properties"]["reason"]["description"]
    assert "omitted, empty or blank records the default" in schema["properties"]["reason"]["description"]

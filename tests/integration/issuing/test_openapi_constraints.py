"""What the OpenAPI document says a request may hold is what the server takes (clients are generated from it).

Generic on purpose: it walks every request body and parameter of the all-in-one app's document.
- Each constraint the document states (a bound, a length, a pattern, an enum, a required field or parameter,
  ``additionalProperties: false``) is checked against the server: the documented request (its example) with one
  value just outside it is refused with a bilingual 400.
- Each probe value (-1, 0, an empty string or list, an unknown field …) the server refuses while decoding the
  request (a 400 listing the fields in ``errors``, before any handler ran) is outside what the document allows:
  the document said ``days`` had no minimum, ``rows[]`` any integer and no body ``additionalProperties: false``,
  and a client generated from it sent what the server refused.
- A parameter the route itself requires is documented required (``test-print``'s ``kind`` said optional).
The walk runs on SQLite; PostgreSQL answers one representative route alike.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.integration.issuing.conftest import Api
from tests.integration.verify.test_batch import make_key
from tests.support import make_settings
from tests.support_apps import verify_client

#: Ids no record has: a refusal at decoding is a 400, a request that reaches its handler a 404.
NO_BATCH = 2**40
NO_NUMBER = "S000043000101253000011"
CJK = re.compile(r"[\u4e00-\u9fff]")
Path = tuple[str | int, ...]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    schema = {**schema, "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _outside(
    document: dict[str, Any], schema: dict[str, Any], good: Any, path: Path = ()
) -> Iterator[tuple[Path, Any]]:
    """``(where, value)``: for each constraint ``schema`` states, a value just outside it (``good``: a value
    inside, the documented example's)."""
    schema = _resolve(document, schema)
    for branch in (*schema.get("anyOf", ()), *schema.get("oneOf", ())):
        yield from _outside(document, branch, good, path)
    if "minimum" in schema:
        yield path, schema["minimum"] - 1
    if "maximum" in schema:
        yield path, schema["maximum"] + 1
    if schema.get("minLength"):
        yield path, "x" * (schema["minLength"] - 1)
    if "maxLength" in schema:
        yield path, "x" * (schema["maxLength"] + 1)
    if "pattern" in schema:
        yield path, "~"
    if "enum" in schema:
        yield path, "nope"
    if schema.get("format") == "date":
        yield path, "2026-02-30"
    if schema.get("minItems"):
        yield path, (good or [])[: schema["minItems"] - 1]
    if "maxItems" in schema and good:
        yield path, [good[0]] * (schema["maxItems"] + 1)
    if "items" in schema and good:
        yield from _outside(document, schema["items"], good[0], (*path, 0))
    if schema.get("additionalProperties") is False:
        yield path, {**(good or {}), "unexpected": 1}
    for name in schema.get("required", ()):
        if isinstance(good, dict) and name in good:
            yield path, {key: value for key, value in good.items() if key != name}
    for name, part in schema.get("properties", {}).items():
        yield from _outside(document, part, (good or {}).get(name), (*path, name))


def _probes(document: dict[str, Any], schema: dict[str, Any], good: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """``(where, value)``: ordinary values of each field's type (its bounds untold), an unknown field."""
    schema = _resolve(document, schema)
    for branch in (*schema.get("anyOf", ()), *schema.get("oneOf", ())):
        yield from _probes(document, branch, good, path)
    kind = schema.get("type")
    if kind == "integer":
        yield from ((path, value) for value in (-1, 0, 2**31, 2**63))
    if kind == "string":
        yield from ((path, value) for value in ("", "x" * 5000))
    if kind == "array":
        yield path, []
        if "items" in schema and good:
            yield from _probes(document, schema["items"], good[0], (*path, 0))
    if kind == "object" or "properties" in schema:
        yield path, {**(good or {}), "unexpected": 1}
        for name, part in schema.get("properties", {}).items():
            yield from _probes(document, part, (good or {}).get(name), (*path, name))


def _put(body: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(body)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def _bilingual_400(response: httpx.Response, statuses: tuple[int, ...] = (400,)) -> bool:
    """A refusal (``statuses``) whose message is Chinese and English (``"<zh> / <en>"``, or ``）/`` after a
    full-width bracket)."""
    if response.status_code not in statuses:
        return False
    error = response.json().get("error", "")
    zh, _, en = error.rpartition("/ ")
    return bool(CJK.search(zh)) and bool(re.search(r"[A-Za-z]+ [A-Za-z]+", en))


def _refused_decoding(response: httpx.Response) -> bool:
    """A 400 of the request's decoding (litestar's validation, ``errors`` listing the fields), not of a
    handler's check (which comes after the record was looked up: a 404 here)."""
    return response.status_code == 400 and isinstance(response.json().get("errors"), list)


async def _headers(api: Api, path: str) -> dict[str, str]:
    if path.startswith("/v1/verify/batch"):
        return {"X-API-Key": await make_key(api.world.database)}
    return api.headers["province_admin"]


def _json_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                examples = [e["value"] for e in (content.get("examples") or {}).values()]
                yield method, path, op, (examples or [content.get("example")])[0]


def _url(template: str) -> str:
    return template.replace("{batch_id}", str(NO_BATCH)).replace("{number}", NO_NUMBER)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_each_documented_body_constraint_is_one_the_server_enforces(api: Api) -> None:
    document = (await api.client.get("/schema/openapi.json")).json()
    failures: list[tuple[Any, ...]] = []
    walked = 0
    for method, template, op, example in _json_operations(document):
        content = op["requestBody"]["content"]["application/json"]
        validator = _validator(document, content["schema"])
        headers = await _headers(api, template)
        send = api.client.build_request
        base = await api.client.send(send(method.upper(), _url(template), json=example, headers=headers))
        assert not _refused_decoding(base), (op["operationId"], base.text)  # the example itself is taken
        for where, value in _outside(document, content["schema"], example):
            body = _put(example, where, value)
            if validator.is_valid(body):  # inside another branch of a union (a number where null is allowed)
                continue
            walked += 1
            answer = await api.client.send(send(method.upper(), _url(template), json=body, headers=headers))
            if not _bilingual_400(answer):
                failures.append((op["operationId"], where, str(value)[:40], answer.status_code, answer.text[:200]))
        for where, value in _probes(document, content["schema"], example):
            body = _put(example, where, value)
            answer = await api.client.send(send(method.upper(), _url(template), json=body, headers=headers))
            if _refused_decoding(answer) and validator.is_valid(body):
                failures.append((op["operationId"], where, str(value)[:40], "refused, documented as allowed"))
    assert walked > 50
    assert failures == []


def _form_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            content = op.get("requestBody", {}).get("content", {}).get("multipart/form-data")
            if content is not None:
                yield method, path, content["schema"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_each_documented_form_constraint_is_one_the_server_enforces(api: Api) -> None:
    """The multipart uploads' documented fields: each left out, an unknown one, a value outside its enum, is a
    bilingual 400."""
    document = (await api.client.get("/schema/openapi.json")).json()
    failures: list[tuple[Any, ...]] = []
    for method, template, schema in _form_operations(document):
        validator = _validator(document, schema)
        properties = schema["properties"]
        files = {name for name, part in properties.items() if "contentMediaType" in part}
        good = {name: "file" if name in files else part["examples"][0] for name, part in properties.items()}
        for where, value in _outside(document, schema, good):
            form = _put(good, where, value)
            if validator.is_valid(form):
                continue
            parts = [  # every field a part of its own: multipart even without the file
                (name, ("results.csv", b"x", "text/csv") if name in files else (None, str(text)))
                for name, text in form.items()
            ]
            answer = await api.client.request(
                method.upper(), _url(template), files=parts, headers=api.headers["province_admin"]
            )
            if not _bilingual_400(answer, (400, 415)):  # 415: no part at all is no multipart body
                failures.append((template, where, str(value)[:60], answer.status_code, answer.json().get("error")))
    assert failures == []


def _parameter_values(document: dict[str, Any], parameter: dict[str, Any]) -> Iterator[Any]:
    for where, value in _outside(document, parameter["schema"], None):
        if not where and not isinstance(value, dict | list):
            yield value


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_each_documented_parameter_constraint_is_one_the_server_enforces(api: Api) -> None:
    """A value just outside a parameter's documented schema is a bilingual 400; leaving out a documented optional
    parameter is never one."""
    document = (await api.client.get("/schema/openapi.json")).json()
    failures: list[tuple[Any, ...]] = []
    for template, operations in document["paths"].items():
        for method, op in operations.items():
            if method not in ("get", "post") or not op.get("parameters"):
                continue
            headers = await _headers(api, template)
            needed = {p["name"]: _inside(document, p) for p in op["parameters"] if p["required"] and p["in"] == "query"}
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            example = next(e["value"] for e in (body.get("examples") or {}).values()) if body else None
            for parameter in op["parameters"]:
                name, place = parameter["name"], parameter["in"]
                validator = _validator(document, parameter["schema"])
                trials: list[tuple[str, dict[str, Any]]] = []
                for value in _parameter_values(document, parameter):
                    if validator.is_valid(value) or (place == "query" and validator.is_valid(_number(value))):
                        continue
                    if place == "path":
                        path = _url(template.replace("{" + name + "}", str(value)))
                        trials.append((str(value), {"url": path, "params": needed}))
                    else:
                        trials.append((str(value), {"url": _url(template), "params": {**needed, name: str(value)}}))
                if parameter["required"] and place == "query":
                    params = {key: value for key, value in needed.items() if key != name}
                    trials.append(("(missing)", {"url": _url(template), "params": params}))
                for what, request in trials:
                    answer = await api.client.request(method.upper(), **request, headers=headers, json=example)
                    if not _bilingual_400(answer):
                        failures.append((op["operationId"], name, what[:40], answer.status_code, answer.text[:200]))
                if not parameter["required"] and place == "query":
                    answer = await api.client.request(method.upper(), _url(template), params=needed, headers=headers)
                    if answer.status_code == 400:
                        failures.append((op["operationId"], name, "(left out)", 400, answer.text[:200]))
    assert failures == []


def _inside(document: dict[str, Any], parameter: dict[str, Any]) -> str:
    schema = _resolve(document, parameter["schema"])
    return str(schema.get("minimum", schema.get("enum", ["1"])[0]))


def _number(text: Any) -> Any:
    """A query parameter's text as the number it is (a query carries text only)."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_postgres_refuses_a_documented_bound_as_sqlite(api: Api) -> None:
    """One route on PostgreSQL: the notice's ``days`` below 0, row 0 and an unknown field, each a bilingual 400
    naming the field, and the document says each."""
    document = (await api.client.get("/schema/openapi.json")).json()
    notice = _resolve(document, {"$ref": "#/components/schemas/NoticeRequest"})
    assert notice["additionalProperties"] is False
    assert {"type": "integer", "minimum": 0, "maximum": 365} in notice["properties"]["days"]["anyOf"]
    rows = _resolve(document, {"$ref": "#/components/schemas/RowsRequest"})["properties"]["rows"]
    assert rows["items"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    headers = api.headers["province_admin"]
    for path, body, field in (
        ("notice", {"days": -1}, "days"),
        ("notice", {"days": 7, "unexpected": 1}, "unexpected"),
        ("exclude", {"rows": [0], "reason": "test"}, "rows"),
    ):
        answer = await api.client.post(f"/v1/batches/{NO_BATCH}/{path}", json=body, headers=headers)
        assert _bilingual_400(answer), answer.text
        assert field in answer.json()["error"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_verify_app_documents_its_request_bodies_as_the_all_in_one_app(api: Api, db_url: str) -> None:
    """The stand-alone verify app's document (its own) says of each request body what the walked one says."""
    whole = (await api.client.get("/schema/openapi.json")).json()
    async with verify_client(make_settings(database_url=db_url)) as client:
        alone = (await client.get("/schema/openapi.json")).json()
    bodies = {name for _, path, _, _ in _json_operations(alone) for name in _component_names(alone, path)}
    assert bodies >= {"VerifyQuery", "BatchRequest", "VerifyRequest"}
    for name in bodies:
        assert alone["components"]["schemas"][name] == whole["components"]["schemas"][name], name
        assert alone["components"]["schemas"][name]["additionalProperties"] is False


CONSTRAINTS = ("description", "minimum", "maximum", "maxLength", "pattern", "enum", "format", "$ref", "const")


def _told(schema: Any) -> bool:
    """Whether a property's schema says more than its type anywhere (a bound, a pattern … or what it holds)."""
    if isinstance(schema, dict):
        return any(key in schema for key in CONSTRAINTS) or any(_told(part) for part in schema.values())
    return isinstance(schema, list) and any(_told(part) for part in schema)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_every_text_or_number_of_a_request_body_says_what_it_takes(api: Api) -> None:
    """A field the server checks in its service (a replacement's name, document, subject code and level) says
    what it takes: ``ReplaceRequest`` said five bare strings."""
    document = (await api.client.get("/schema/openapi.json")).json()
    bare = [
        (op["operationId"], name)
        for _, _, op, _ in _json_operations(document)
        for name, part in _resolve(document, op["requestBody"]["content"]["application/json"]["schema"])
        .get("properties", {})
        .items()
        if not _told(part)
    ]
    assert bare == []


def _component_names(document: dict[str, Any], path: str) -> Iterator[str]:
    for op in document["paths"][path].values():
        schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        reference = schema.get("$ref", "")
        if reference:
            name = reference.rsplit("/", 1)[1]
            yield name
            for part in document["components"]["schemas"][name].get("properties", {}).values():
                if "$ref" in part.get("items", {}):
                    yield part["items"]["$ref"].rsplit("/", 1)[1]

"""The credential routes over HTTP, as a verifier abroad uses them: the did:web document, the status list,
the credential by QR token and by number + name — checked by the verifier written apart from the code
(bare PyNaCl + rfc8785, ``tests/unit/credentials/test_independent_verifier.py``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft201909Validator

from registry.models import Certificate
from registry.qrtoken import encode_token
from tests.factories import CITY
from tests.integration.issuing.conftest import Api, issue_over_http
from tests.unit.credentials.test_independent_verifier import Refused, independent_bit, independent_verify
from tests.unit.credentials.test_ob3_schema import SCHEMA_FILE

NAMES = ["张三", "李四"]


async def _issue(api: Api) -> list[str]:
    return await issue_over_http(api, NAMES)


async def _token(api: Api, number: str) -> str:
    async with api.world.database.reader() as session:
        row = await session.get(Certificate, number)
        assert row is not None
        return encode_token(row.statement, row.signature)


def _path(url: str) -> str:
    return urlsplit(url).path


async def _did(api: Api, did: str) -> dict[str, Any]:
    # did:web:testserver:authorities:430100 -> https://testserver/authorities/430100/did.json
    path = "/" + "/".join(did.split(":")[3:]) + "/did.json"
    response = await api.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/did+json")
    document: dict[str, Any] = response.json()
    return document


async def _bit(api: Api, credential: dict[str, Any], did_document: dict[str, Any]) -> bool:
    entry = credential["credentialStatus"]
    response = await api.client.get(_path(entry["statusListCredential"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vc")
    status_list = independent_verify(response.content, did_document)
    return independent_bit(status_list, entry)


async def test_a_credential_by_qr_verifies_abroad_and_its_bit_follows_revocation(api: Api) -> None:
    first, second = await _issue(api)
    response = await api.client.get(f"/v1/qr/{await _token(api, first)}/credential")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vc")
    credential = json.loads(response.content)
    did_document = await _did(api, credential["issuer"]["id"])
    assert did_document["id"] == f"did:web:testserver:authorities:{CITY}"
    assert independent_verify(response.content, did_document)["credentialSubject"]["licenseNumber"] == first
    assert await _bit(api, credential, did_document) is False

    revoked = await api.client.post(
        f"/v1/certificates/{first}/revoke",
        json={"reason": "考试舞弊 / cheating"},
        headers=api.headers["province_admin"],
    )
    assert revoked.status_code == 200, revoked.text
    await asyncio.sleep(1.1)  # a worker keeps a list at most one second
    assert await _bit(api, credential, did_document) is True
    other = json.loads((await api.client.get(f"/v1/qr/{await _token(api, second)}/credential")).content)
    assert await _bit(api, other, did_document) is False


async def test_a_credential_by_number_and_name_answers_like_verify(api: Api) -> None:
    first, _ = await _issue(api)
    right = await api.client.post("/v1/credentials", json={"number": first, "name": NAMES[0]})
    assert right.status_code == 200, right.text
    assert json.loads(right.content)["credentialSubject"]["licenseNumber"] == first
    wrong = await api.client.post("/v1/credentials", json={"number": first, "name": "王五"})
    unknown_number = first[:-1] + ("1" if first[-1] != "1" else "2")
    unknown = await api.client.post("/v1/credentials", json={"number": unknown_number, "name": NAMES[0]})
    assert (wrong.status_code, unknown.status_code) == (404, 404)
    assert wrong.content == unknown.content  # one answer: a wrong name tells nothing
    assert NAMES[0] not in unknown.text
    malformed = await api.client.post("/v1/credentials", json={"number": "12", "name": NAMES[0]})
    assert malformed.status_code == 400
    no_name = await api.client.post("/v1/credentials", json={"number": first})
    assert no_name.status_code == 400


async def test_forged_tokens_unknown_authorities_and_lists_are_404(api: Api) -> None:
    first, _ = await _issue(api)
    token = await _token(api, first)
    forged = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
    assert (await api.client.get(f"/v1/qr/{forged}/credential")).status_code == 404
    assert (await api.client.get("/authorities/999999/did.json")).status_code == 404
    assert (await api.client.get("/authorities/43%2F00/did.json")).status_code in (400, 404)
    assert (await api.client.get(f"/v1/status/{CITY}/2")).status_code == 404
    assert (await api.client.get(f"/v1/status/{CITY}/0")).status_code == 400


async def test_the_did_document_lists_every_key_and_independent_checks_refuse_tampering(api: Api) -> None:
    first, _ = await _issue(api)
    data = (await api.client.get(f"/v1/qr/{await _token(api, first)}/credential")).content
    credential = json.loads(data)
    did_document = await _did(api, credential["issuer"]["id"])
    assert credential["proof"]["verificationMethod"] in did_document["assertionMethod"]
    assert all(method["type"] == "Multikey" for method in did_document["verificationMethod"])
    tampered = data.replace(first.encode(), first[:-1].encode() + b"9", 1)
    with pytest.raises(Refused):  # a tampered credential must not verify
        independent_verify(tampered, did_document)


async def test_a_served_credential_meets_the_open_badges_schema(api: Api) -> None:
    first, _ = await _issue(api)
    credential = json.loads((await api.client.get(f"/v1/qr/{await _token(api, first)}/credential")).content)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # the stored schema still requires VC 1.1's issuanceDate; VC 2.0 names it validFrom (tests/vectors/ob3)
    schema["required"] = ["validFrom" if name == "issuanceDate" else name for name in schema["required"]]
    assert [error.message for error in Draft201909Validator(schema).iter_errors(credential)] == []

"""换发 with a corrected document: the new certificate carries the corrected identity, sealed (issue 13; on
SQLite and PostgreSQL). The province admin's read of it gives the corrected number; a correction of another
field keeps the holder's identity."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from registry.identity.index import holder_digest
from registry.models import Certificate, HolderIdentity
from registry.rules.documents import holder_document
from registry.rules.profiles import HUNAN
from tests import factories
from tests.factories import HOLDER_IDS, issue_test_certificates
from tests.integration.issuing.conftest import Api
from tests.support import ID_HASH_KEY

READ = {"reason": "核对换发结果 / checking a replacement"}


async def _replace(api: Api, number: str, body: dict[str, Any]) -> Any:
    return await api.client.post(
        f"/v1/certificates/{number}/replace", json={"reason": "证件号更正 / document corrected", **body},
        headers=api.headers["province_admin"],
    )  # fmt: skip


async def _row(api: Api, number: str) -> tuple[Certificate, HolderIdentity | None]:
    async with api.world.database.reader() as session:
        certificate = await session.get(Certificate, number)
        assert certificate is not None
        identity = (
            await session.scalar(select(HolderIdentity).where(HolderIdentity.id == certificate.holder_identity_id))
            if certificate.holder_identity_id
            else None
        )
        return certificate, identity


async def _first(api: Api) -> factories.TestCertificate:
    (first,) = await issue_test_certificates(api.world.database, api.world.store, [("张三", HOLDER_IDS[0])])
    return first


@pytest.mark.parametrize(
    ("id_type", "number", "wire"),
    [
        pytest.param(None, HOLDER_IDS[3], "resident_id", id="resident-id"),
        pytest.param("护照", "E12345678", "passport", id="passport"),
        pytest.param("回乡证", "H12345678", "hk_macao_permit", id="home-return-permit"),
    ],
)
async def test_the_successor_carries_the_corrected_identity_sealed(
    api: Api, id_type: str | None, number: str, wire: str
) -> None:
    first = await _first(api)
    _, old_identity = await _row(api, first.number)
    body: dict[str, Any] = {"holder_id": number}
    if id_type is not None:
        body["holder_id_type"] = id_type
    answer = await _replace(api, first.number, body)
    assert answer.status_code == 201, answer.text
    successor, identity = await _row(api, answer.json()["number"])
    assert identity is not None
    assert old_identity is None or identity.id != old_identity.id
    document = holder_document(HUNAN, id_type, number, today=successor.issued_on)
    assert identity.document_type == wire
    assert (
        bytes(identity.index_digest)
        == bytes(successor.holder_id_digest)
        == holder_digest(ID_HASH_KEY.encode(), document)
    )
    assert identity.masked == successor.holder_id_masked == document.masked
    assert number.encode() not in bytes(identity.number_sealed)  # sealed, never in clear
    read = await api.client.post(
        f"/v1/certificates/{successor.number}/identity", json=READ, headers=api.headers["province_admin"]
    )
    assert read.status_code == 200, read.text
    assert (read.json()["document_type"], read.json()["document_number"]) == (wire, number)


async def test_a_correction_of_the_name_keeps_the_holders_identity(api: Api) -> None:
    first = await _first(api)
    old, old_identity = await _row(api, first.number)
    answer = await _replace(api, first.number, {"holder_name": "张叁"})
    assert answer.status_code == 201, answer.text
    successor, identity = await _row(api, answer.json()["number"])
    assert successor.holder_identity_id == old.holder_identity_id
    assert (identity is None) == (old_identity is None)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        pytest.param({"holder_id_type": "护照"}, "holder_id", "document.empty", id="type-without-number"),
        pytest.param({"holder_id": "E1", "holder_id_type": "护照"}, "holder_id", "passport.length", id="short"),
        pytest.param(
            {"holder_id": "E12345678", "holder_id_type": "驾驶证"},
            "holder_id_type",
            "document.type_unknown",
            id="unknown-type",
        ),
        pytest.param({"holder_id": "430102199003071235"}, "holder_id", "id.checksum", id="checksum"),
    ],
)
async def test_a_bad_corrected_document_is_a_400(api: Api, body: dict[str, Any], field: str, code: str) -> None:
    first = await _first(api)
    answer = await _replace(api, first.number, body)
    assert answer.status_code == 400, answer.text
    assert (answer.json()["field"], answer.json()["code"]) == (field, code)
    assert " / " in answer.json()["error"]
    assert "E12345678" not in answer.text

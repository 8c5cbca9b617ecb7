"""The Open Badges 3.0 JSON schema (1EdTech, stored in tests/vectors/ob3/) validates our credential, offline.

The stored schema text requires the VC 1.1 name ``issuanceDate``; our VC 2.0 credential has ``validFrom``
(see ``tests/vectors/ob3/README.md``). So: against the file as stored, the missing ``issuanceDate`` must be the
only error; with that one name replaced by ``validFrom`` there must be none.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator

from registry.credentials.credential import OB3_SCHEMA, build_credential
from registry.credentials.jcs import parse
from registry.credentials.signing import sign_as_authority
from registry.vocab import CertificateKind
from tests.unit.credentials.world import ACTIVE, ACTIVE_INFO, PUBLIC_URL, SALT, at, tree, view

SCHEMA_FILE = Path(__file__).parents[2] / "vectors" / "ob3" / "ob_v3p0_achievementcredential_schema.json"


@pytest.fixture(scope="module")
def stored_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    assert schema["$id"] == OB3_SCHEMA
    return schema


@pytest.fixture(scope="module")
def vc2_schema(stored_schema: dict[str, Any]) -> Draft201909Validator:
    schema = copy.deepcopy(stored_schema)
    assert "issuanceDate" in schema["required"]
    schema["required"] = ["validFrom" if name == "issuanceDate" else name for name in schema["required"]]
    return Draft201909Validator(schema)


def _signed(kind: CertificateKind) -> Any:
    document = build_credential(view(kind=kind), public_url=PUBLIC_URL, salt=SALT)
    data = sign_as_authority(
        document, public_url=PUBLIC_URL, key=ACTIVE_INFO, sign=ACTIVE.sign, created=at(view().issued_on)
    )
    return tree(parse(data))


@pytest.mark.parametrize("kind", list(CertificateKind))
def test_against_the_stored_schema_only_issuance_date_is_missing(
    stored_schema: dict[str, Any], kind: CertificateKind
) -> None:
    errors = list(Draft201909Validator(stored_schema).iter_errors(_signed(kind)))
    assert [(error.validator, list(error.path), error.message) for error in errors] == [
        ("required", [], "'issuanceDate' is a required property")
    ]


@pytest.mark.parametrize("kind", list(CertificateKind))
def test_the_vc2_form_of_the_schema_validates_our_credential(
    vc2_schema: Draft201909Validator, kind: CertificateKind
) -> None:
    credential = _signed(kind)
    assert list(vc2_schema.iter_errors(credential)) == []
    datetime.fromisoformat(credential["validFrom"])  # the schema's date-time format is not checked offline
    assert credential["credentialSchema"][0]["id"] == OB3_SCHEMA


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "identifier", 0, "documentNumber"), "430104199001011234"),
        (("credentialSubject", "achievement", "criteria"), None),
        (("credentialSubject", "identifier", 0, "hashed"), "yes"),
        (("issuer", "id"), None),
        (("credentialStatus", "id"), None),
    ],
    ids=["extra-identity-field", "no-criteria", "hashed-not-boolean", "issuer-without-id", "status-without-id"],
)
def test_the_schema_catches_what_would_break_it(
    vc2_schema: Draft201909Validator, path: tuple[Any, ...], value: object
) -> None:
    """The validation is not vacuous: the schema refuses a credential bent in any of these ways."""
    credential = _signed(CertificateKind.SKILL_LEVEL)
    node = credential
    for step in path[:-1]:
        node = node[step]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    assert list(vc2_schema.iter_errors(credential)) != []

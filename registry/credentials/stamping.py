"""Signing many credentials that differ in a few values: canonical templates filled in per certificate.

Issuing 100,000 certificates must stay within seconds (``bench/issue.py``), and building, canonicalising
(RFC 8785) and signing each credential from scratch costs about 0.7 ms of Python. But the credentials of one
issue differ only in the certificate number, the holder's salt and name hash, and the status position:
everything else (issuer, dates, achievement, institution, proof options) is shared. A
:class:`CredentialStamp` canonicalises one prototype credential — with unique markers where those values
go — into the canonical document and the canonical secured document, cut at the markers. Filling in the
values (ASCII letters, digits and ``-`` only, which JCS writes as they are, so no escaping is needed and no
member moves: the values are never member names) gives exactly the bytes :func:`build_credential` +
:func:`sign_as_authority` give, which ``tests/unit/credentials/test_stamping.py`` checks byte for byte
(Ed25519 is deterministic). The proof configuration is the same for every credential of a stamp, so its
hash is computed once (vc-di-eddsa §3.3.4: data = hash(config) ‖ hash(document)).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Final, cast

import msgspec

from keys.keyset import PublicKeyInfo
from registry.credentials.credential import CertificatePublicView, build_credential, identity_hash, new_salt
from registry.credentials.errors import BadProofSignatureError
from registry.credentials.jcs import JsonObject, canonicalize
from registry.credentials.multibase import multibase_base58btc
from registry.credentials.proof import Signer, proof_configuration
from registry.credentials.signing import sign_as_authority
from registry.credentials.status_list import StatusPosition, status_position

_NUMBER: Final = "N0x7e1number"
_SALT: Final = "S0x7e1salt"
_HASH: Final = "H0x7e1hash"
_LIST: Final = "L0x7e1list"
_INDEX: Final = "I0x7e1index"
_PROOF: Final = "P0x7e1proof"
_MARKERS: Final = re.compile(f"({_NUMBER}|{_SALT}|{_HASH}|{_LIST}|{_INDEX}|{_PROOF})")
#: What a filled-in value may hold: characters JCS writes unescaped and that cannot form a marker.
_PLAIN: Final = re.compile(r"[0-9A-Za-z-]{1,64}")


class StampedCredential(msgspec.Struct, frozen=True, kw_only=True):
    """One signed credential: its stored bytes and its status position."""

    number: str
    status: StatusPosition
    data: bytes


class CredentialStamp:
    """Signs the credentials of certificates that share ``prototype``'s kind, subject, level, institution,
    authority and issue date, with one key at one ``created`` time."""

    def __init__(
        self, prototype: CertificatePublicView, *, public_url: str, key: PublicKeyInfo, sign: Signer, created: datetime
    ) -> None:
        self._prototype = prototype
        self._public_url = public_url
        self._key = key
        self._sign = sign
        self._created = created
        marked = msgspec.structs.replace(
            prototype,
            number=_NUMBER,
            holder_name="",
            status=StatusPosition(list_number=cast(int, _LIST), index=cast(int, _INDEX)),
        )
        document = build_credential(marked, public_url=public_url, salt=_SALT)
        subject = cast(JsonObject, document["credentialSubject"])
        identity = cast(list[JsonObject], subject["identifier"])[0]
        identity["identityHash"] = _HASH
        self._document_raw = document
        self._document = _Template(canonicalize(document).decode("utf-8"))
        self._secured: _Template | None = None
        self._config_hash = b""

    def sign(self, number: str, holder_name: str, value: int, *, salt: str | None = None) -> StampedCredential:
        """The credential of certificate ``number`` held by ``holder_name`` at status value ``value``
        (``salt``: a fresh one unless given, as tests do).

        Raises ``ValueError`` for a number that is not letters, digits and ``-`` (sign it the general way),
        and, on the first call, what :func:`sign_as_authority` raises for a key that cannot sign, or
        :class:`BadProofSignatureError` if the template would not give the general path's bytes.
        """
        if not _PLAIN.fullmatch(number):
            raise ValueError("a stamped certificate number is letters, digits and '-'")
        salt = salt or new_salt()
        position = status_position(value)
        if self._secured is None:
            return self._first(number, holder_name, position, salt)
        return self._stamp(number, holder_name, position, salt)

    def _stamp(self, number: str, holder_name: str, position: StatusPosition, salt: str) -> StampedCredential:
        assert self._secured is not None  # made by the first call
        values = {
            _NUMBER: number.encode("ascii"),
            _SALT: salt.encode("ascii"),
            _HASH: identity_hash(holder_name, salt).encode("ascii"),
            _LIST: b"%d" % position.list_number,
            _INDEX: b"%d" % position.index,
        }
        document = self._document.fill(values)
        signature = self._sign(self._config_hash + hashlib.sha256(document).digest())
        values[_PROOF] = multibase_base58btc(signature).encode("ascii")
        return StampedCredential(number=number, status=position, data=self._secured.fill(values))

    def _first(self, number: str, holder_name: str, position: StatusPosition, salt: str) -> StampedCredential:
        """The general path (which checks the key, the issuer and the signer), then the secured template
        from its proof options, then the same credential from the templates: they must agree."""
        view = msgspec.structs.replace(self._prototype, number=number, holder_name=holder_name, status=position)
        data = sign_as_authority(
            build_credential(view, public_url=self._public_url, salt=salt),
            public_url=self._public_url,
            key=self._key,
            sign=self._sign,
            created=self._created,
        )
        proof = cast(JsonObject, cast(JsonObject, msgspec.json.decode(data))["proof"])
        options = {name: value for name, value in proof.items() if name not in ("proofValue", "@context")}
        config = proof_configuration(options, self._document_raw)
        self._config_hash = hashlib.sha256(canonicalize(config)).digest()
        self._secured = _Template(
            canonicalize({**self._document_raw, "proof": {**config, "proofValue": _PROOF}}).decode("utf-8")
        )
        stamped = self._stamp(number, holder_name, position, salt)
        if stamped.data != data:
            self._secured = None
            raise BadProofSignatureError(
                "凭证模板与逐项签名不符 / the credential template does not match the credential"
            )
        return stamped


class _Template:
    """A canonical document cut at the markers, as UTF-8 bytes: filling it in is one ``bytes.join`` of the
    literal parts and the (ASCII) values, with no text to encode per credential (issue 12: joining text
    parts and encoding 2.3 KB of mostly non-ASCII text was a tenth of a credential's Python)."""

    __slots__ = ("_parts", "_slots")

    def __init__(self, text: str) -> None:
        cut = _MARKERS.split(text)  # literal parts at even positions, marker names at odd ones
        self._parts = [part.encode("utf-8") if index % 2 == 0 else b"" for index, part in enumerate(cut)]
        self._slots = [(index, cut[index]) for index in range(1, len(cut), 2)]

    def fill(self, values: dict[str, bytes]) -> bytes:
        parts = self._parts.copy()
        for index, marker in self._slots:
            parts[index] = values[marker]
        return b"".join(parts)

"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys: sign, parse, verify (pure).

A note is ``text`` (ending in a newline), a blank line, then signature lines ``— <name> <base64(key ID ||
signature)>``. The key ID is the first four bytes of ``SHA-256(name || 0x0A || 0x01 || public key)``; a
verifier key is written ``<name>+<hex key ID>+<base64(0x01 || public key)>`` so that a monitor can pin it.
The format matches golang.org/x/mod/sumdb/note byte for byte (``tests/vectors/log/signed_note_go.json``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from typing import Final, Protocol

import msgspec

from keys.errors import KeysError
from keys.signing import verify_signature
from registry.log.errors import NoteError

ED25519: Final = b"\x01"
SIGNATURE_PREFIX: Final = "\u2014 "  # em dash, space
MAX_SIGNATURES: Final = 100
_CONTROL: Final = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_NAME: Final = re.compile(r"[^\s+]+")


class NoteSigner(Protocol):
    """What signs a note: an Ed25519 key (``keys.signing.SigningKey`` is one)."""

    @property
    def public_key(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


class NoteSignature(msgspec.Struct, frozen=True):
    name: str
    key_id: bytes  # 4 bytes
    signature: bytes


def b64decode_strict(text: str, what: str) -> bytes:
    """Strict standard base64: the alphabet only, padding right, and the canonical encoding of its bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} 不是有效的 base64 / {what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} 不是规范的 base64 / {what} is not canonical base64")
    return raw


def check_name(name: str) -> str:
    """``name`` if it is a valid key name (non-empty, no space, no '+'); raises :class:`NoteError`."""
    if not _NAME.fullmatch(name):
        raise NoteError(f"密钥名无效 / invalid key name {name!r}: it must be non-empty without spaces or '+'")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 key named ``name``."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


class NoteVerifier(msgspec.Struct, frozen=True):
    """A trusted Ed25519 note key: its name, key ID and raw public key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def of(cls, name: str, public_key: bytes) -> NoteVerifier:
        """The verifier of ``public_key`` under ``name``; raises :class:`NoteError` on a bad name or key."""
        if len(public_key) != 32:
            raise NoteError("Ed25519 公钥须为 32 字节 / an Ed25519 public key is 32 bytes")
        return cls(check_name(name), key_id(name, public_key), public_key)

    @classmethod
    def parse(cls, text: str) -> NoteVerifier:
        """Parse a verifier key ``name+hexid+base64``; raises :class:`NoteError` naming what is wrong."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise NoteError(f"验证密钥格式错误 / a verifier key is name+8 hex digits+base64, got {text!r}")
        name, hex_id, encoded = parts
        raw = b64decode_strict(encoded, "verifier key")
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("验证密钥不是 Ed25519 密钥 / the verifier key is not an Ed25519 key (type 0x01)")
        verifier = cls.of(name, raw[1:])
        if verifier.key_id.hex() != hex_id:
            raise NoteError("验证密钥的 ID 与公钥不符 / the verifier key's ID does not match its public key")
        return verifier

    def encode(self) -> str:
        """The verifier key in note form, ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(ED25519 + self.public_key).decode('ascii')}"

    def verify(self, text: str, signature: bytes) -> bool:
        try:
            verify_signature(public_key=self.public_key, message=text.encode(), signature=signature)
        except KeysError:
            return False
        return True


def _check_text(text: str) -> None:
    if not text.endswith("\n") or _CONTROL.search(text):
        raise NoteError("签名文本格式错误 / malformed note: the text must end in a newline, without control characters")


def sign_note(text: str, name: str, signer: NoteSigner) -> str:
    """The signed note of ``text`` with one signature by ``signer`` under key name ``name``.

    Raises :class:`NoteError` when the text or name is not allowed in a note.
    """
    _check_text(text)
    kid = key_id(check_name(name), signer.public_key)
    signature = signer.sign(text.encode())
    return f"{text}\n{SIGNATURE_PREFIX}{name} {base64.b64encode(kid + signature).decode('ascii')}\n"


def parse_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signatures (unverified); raises :class:`NoteError`."""
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("签名文本缺少签名 / malformed note: no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"签名数量须为 1–{MAX_SIGNATURES} / malformed note: 1 to {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        fields = line[len(SIGNATURE_PREFIX) :].split(" ")
        if not line.startswith(SIGNATURE_PREFIX) or len(fields) != 2:
            raise NoteError(f"签名行格式错误 / malformed signature line {line[:80]!r}")
        raw = b64decode_strict(fields[1], "signature")
        if len(raw) < 5:
            raise NoteError("签名过短 / malformed note: a signature is key ID (4 bytes) and signature")
        signatures.append(NoteSignature(check_name(fields[0]), raw[:4], raw[4:]))
    return text, signatures


def open_note(note: str, verifiers: Sequence[NoteVerifier]) -> tuple[str, list[NoteVerifier]]:
    """Verify ``note`` against the trusted ``verifiers``; returns the text and the keys that signed it.

    Signatures by unknown keys are ignored (as the spec requires); a known key's signature that fails, or no
    known key's signature at all, raises :class:`NoteError`.
    """
    text, signatures = parse_note(note)
    signed: list[NoteVerifier] = []
    for sig in signatures:
        for verifier in verifiers:
            if verifier.name == sig.name and verifier.key_id == sig.key_id:
                if not verifier.verify(text, sig.signature):
                    raise NoteError(
                        f"密钥 {sig.name}+{sig.key_id.hex()} 的签名无效 / invalid signature for key "
                        f"{sig.name}+{sig.key_id.hex()}"
                    )
                if verifier not in signed:
                    signed.append(verifier)
    if not signed:
        raise NoteError("没有受信任密钥的签名 / the note has no signature by a trusted key")
    return text, signed

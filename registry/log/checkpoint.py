"""Checkpoints (https://c2sp.org/tlog-checkpoint): the log's signed tree head as a signed note (pure).

The note text is the origin (``Settings.log_origin``), the tree size in decimal and the base64 root hash,
one per line. The log signs it under its origin as key name, so a monitor pins one verifier key
``<origin>+<key ID>+<public key>`` and checks every checkpoint it fetches against it.
"""

from __future__ import annotations

import base64
import re
from typing import Final

import msgspec

from registry.log.errors import NoteError
from registry.log.merkle import HASH_SIZE
from registry.log.note import NoteSigner, NoteVerifier, b64decode_strict, check_name, open_note, sign_note

_SIZE: Final = re.compile(r"0|[1-9][0-9]{0,18}")
MAX_SIZE: Final = 2**63 - 1


class Checkpoint(msgspec.Struct, frozen=True):
    """A tree head: the log's ``origin``, its ``size`` in leaves and its RFC 6962 ``root_hash``."""

    origin: str
    size: int
    root_hash: bytes

    def text(self) -> str:
        """The checkpoint's note text (what is signed)."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode('ascii')}\n"


class KeptCheckpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A signed checkpoint as it is kept: its size, root and the signed note (C2SP format). What the log
    stored (:class:`registry.log.store.StoredCheckpoint`) and what a monitor saw
    (:class:`registry.log.monitor.SeenCheckpoint`) add when, after these fields."""

    size: int
    root_hash: bytes
    note: str


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text (extension lines are allowed and ignored); raises :class:`NoteError`."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise NoteError("检查点格式错误 / malformed checkpoint: origin, size and root hash, one per line")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not _SIZE.fullmatch(size_text) or int(size_text) > MAX_SIZE:
        raise NoteError(f"检查点的树大小无效 / the checkpoint's tree size {size_text[:24]!r} is not a decimal number")
    root = b64decode_strict(root_text, "root hash")
    if len(root) != HASH_SIZE:
        raise NoteError("检查点的根哈希不是 32 字节 / the checkpoint's root hash is not 32 bytes")
    return Checkpoint(origin=origin, size=int(size_text), root_hash=root)


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The signed note of ``checkpoint``, signed under its origin as key name."""
    return sign_note(checkpoint.text(), check_name(checkpoint.origin), signer)


def open_checkpoint(note: str, verifier: NoteVerifier) -> Checkpoint:
    """Verify ``note`` with the log's key and parse it; its origin must be the key's name.

    Raises :class:`NoteError` on a bad signature, a signature by another key, or a malformed checkpoint.
    """
    text, _ = open_note(note, [verifier])
    checkpoint = parse_checkpoint(text)
    if checkpoint.origin != verifier.name:
        raise NoteError(
            f"检查点来源 {checkpoint.origin!r} 与密钥名 {verifier.name!r} 不符 / the checkpoint's origin "
            f"{checkpoint.origin!r} is not the key name {verifier.name!r}"
        )
    return checkpoint

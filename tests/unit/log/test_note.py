"""Signed notes against golang.org/x/mod/sumdb/note's published example (tests/vectors/log/signed_note_go.json)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from keys.signing import SigningKey
from registry.log.errors import NoteError
from registry.log.note import NoteVerifier, key_id, open_note, parse_note, sign_note

GO = json.loads((Path(__file__).parents[2] / "vectors" / "log" / "signed_note_go.json").read_text())
PETER = NoteVerifier.parse(GO["verifier_key"])
ENOCH = NoteVerifier.parse(GO["other_verifier_key"])


def go_signer() -> SigningKey:
    """The key of Go's ``PRIVATE+KEY+name+hash+base64(0x01 || seed)`` signer string."""
    _, _, name, hex_id, encoded = GO["signer_key"].split("+", 4)
    raw = base64.b64decode(encoded)
    assert raw[0] == 1
    key = SigningKey.from_seed(raw[1:])
    assert key_id(name, key.public_key).hex() == hex_id
    return key


def test_signing_reproduces_the_go_note_byte_for_byte() -> None:
    assert sign_note(GO["text"], "PeterNeumann", go_signer()) == GO["signed"]


def test_verifier_key_round_trip_and_key_id() -> None:
    assert PETER.name == "PeterNeumann"
    assert PETER.key_id.hex() == "c74f20a3"
    assert PETER.encode() == GO["verifier_key"]
    assert NoteVerifier.of("PeterNeumann", go_signer().public_key) == PETER


def test_every_mangling_of_the_verifier_key_is_refused() -> None:
    key = GO["verifier_key"]
    for i in range(len(key)):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                with pytest.raises(NoteError):
                    NoteVerifier.parse(key[i:j])
    for i in range(len(key)):
        mangled = key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :]
        with pytest.raises(NoteError):
            NoteVerifier.parse(mangled)


def test_open_checks_known_keys_and_ignores_unknown_ones() -> None:
    both = GO["signed"] + GO["other_signature_line"]
    text, signed = open_note(both, [PETER])
    assert text == GO["text"]
    assert signed == [PETER]
    assert open_note(both, [PETER, ENOCH])[1] == [PETER, ENOCH]
    with pytest.raises(NoteError, match="no signature by a trusted key"):
        open_note(both, [])


def test_a_changed_text_or_signature_is_refused() -> None:
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(GO["signed"].replace("cryptography", "cryptographY"), [PETER])
    line = GO["signed"].split("\n\n")[1]
    broken = GO["text"] + "\n" + line[:60] + "ABCD" + line[60:]
    with pytest.raises(NoteError):
        open_note(broken, [PETER])


@pytest.mark.parametrize(
    "note",
    [
        GO["text"],
        GO["text"] + "\n",
        GO["signed"][:-1],
        "\x01" + GO["signed"],
        GO["text"] + "\n" + GO["signed"].split("\n\n")[1].replace("PeterNeumann", "Bad Name"),
        GO["signed"] + "Unexpected line.\n",
        GO["text"] + "\n" + GO["signed"].split("\n\n")[1] * 101,
    ],
    ids=[
        "no signatures",
        "blank line only",
        "no final newline",
        "control character",
        "bad name",
        "extra line",
        "101 signatures",
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(NoteError):
        parse_note(note)


def test_names_with_spaces_or_plus_cannot_sign() -> None:
    for name in ("", "a b", "a+b"):
        with pytest.raises(NoteError):
            sign_note(GO["text"], name, go_signer())

"""Checkpoint note text (c2sp.org/tlog-checkpoint): format, strict parsing, and opening with the log's key."""

from __future__ import annotations

import base64

import pytest

from keys.signing import SigningKey
from registry.log.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint, sign_checkpoint
from registry.log.errors import NoteError
from registry.log.note import NoteVerifier

#: The example of the C2SP tlog-checkpoint specification.
SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
KEY = SigningKey.from_seed(bytes(range(32)))
ROOT = bytes(range(32))


def test_the_specification_example_parses() -> None:
    checkpoint = parse_checkpoint(SPEC_TEXT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.text() == SPEC_TEXT
    assert parse_checkpoint(SPEC_TEXT + "extension line\n").size == 20852163


def test_signed_checkpoint_layout_and_round_trip() -> None:
    checkpoint = Checkpoint(origin="hrss.example/log", size=0, root_hash=ROOT)
    note = sign_checkpoint(checkpoint, KEY)
    text, signature = note.split("\n\n")
    assert text + "\n" == f"hrss.example/log\n0\n{base64.b64encode(ROOT).decode()}\n"
    assert signature.startswith("\u2014 hrss.example/log ")
    assert open_checkpoint(note, NoteVerifier.of("hrss.example/log", KEY.public_key)) == checkpoint


def test_a_key_of_another_name_does_not_open_it() -> None:
    note = sign_checkpoint(Checkpoint(origin="hrss.example/log", size=3, root_hash=ROOT), KEY)
    with pytest.raises(NoteError, match="trusted key"):
        open_checkpoint(note, NoteVerifier.of("other.example/log", KEY.public_key))


def test_origin_must_be_the_key_name() -> None:
    text = Checkpoint(origin="evil.example/log", size=3, root_hash=ROOT).text()
    from registry.log.note import sign_note

    note = sign_note(text, "hrss.example/log", KEY)
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(note, NoteVerifier.of("hrss.example/log", KEY.public_key))


@pytest.mark.parametrize(
    "text",
    [
        "origin\n12\n",
        "origin\n012\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n99999999999999999999\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",
        "\n1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode() + "\n\nextension\n",
    ],
    ids=["no root", "leading zero", "negative", "too large", "short root", "unpadded", "empty origin", "empty line"],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)

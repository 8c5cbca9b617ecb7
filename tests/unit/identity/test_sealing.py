"""Sealed document numbers: round trip, a typed error for every kind of tampering, KEK rotation."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys.errors import WrongPassphraseError
from keys.kek import KeyEncryptionKey, read_kek_file, write_kek_file
from keys.keyfile_format import MIN_MEMLIMIT, MIN_OPSLIMIT
from keys.kid import b64url_encode
from registry.identity.errors import (
    SealingError,
    TamperedCiphertextError,
    TamperedWrappedKeyError,
    UnknownDataKeyError,
    UnsupportedEnvelopeError,
    WrongKekError,
)
from registry.identity.sealing.datakeys import (
    DataKey,
    DataKeyPolicy,
    WrappedDataKey,
    rewrap_all,
    unwrap_data_key,
    wrap_data_key,
)
from registry.identity.sealing.envelope import (
    SealPurpose,
    data_key_id,
    open_document_number,
    open_sealed,
    seal,
    seal_document_number,
)
from registry.identity.sealing.ring import DataKeyRing
from registry.rules.document_types import DocumentType
from tests.unit.keys.factory import T0

T = DocumentType
DAY = date(2025, 6, 1)
NUMBER = "11010519491231002X"
ROW = "holder:0f6c1e0e-7b0e-4b5e-9d8a-4c1c7f1f2a11"
FAST = {"opslimit": MIN_OPSLIMIT, "memlimit": MIN_MEMLIMIT}


@dataclass
class World:
    kek: KeyEncryptionKey
    ring: DataKeyRing
    row: WrappedDataKey
    sealed: bytes


@pytest.fixture
def world() -> World:
    kek = KeyEncryptionKey.generate()
    ring = DataKeyRing(kek)
    row = ring.new_key(created_on=DAY)
    return World(kek, ring, row, seal_document_number(ring.active, T.RESIDENT_ID, NUMBER, row=ROW))


def fresh_ring(world: World) -> DataKeyRing:
    """A ring as another process builds it: from the stored row only."""
    return DataKeyRing(world.kek, [world.row])


def test_round_trip_through_the_stored_row(world: World) -> None:
    assert fresh_ring(world).open_document_number(world.sealed, T.RESIDENT_ID, row=ROW) == NUMBER
    assert len(world.sealed) == 1 + 16 + 24 + len(NUMBER) + 16
    assert data_key_id(world.sealed) == world.row.dk_id
    assert NUMBER.encode() not in world.sealed
    again = seal_document_number(world.ring.active, T.RESIDENT_ID, NUMBER, row=ROW)
    assert again != world.sealed  # a fresh nonce: equal numbers do not show as equal ciphertexts


def test_photos_are_sealed_the_same_way(world: World) -> None:
    photo = bytes(range(256)) * 100
    sealed = seal(world.ring.active, photo, purpose=SealPurpose.PHOTO, binding=ROW)
    assert open_sealed(fresh_ring(world).key, sealed, purpose=SealPurpose.PHOTO, binding=ROW) == photo
    with pytest.raises(TamperedCiphertextError):
        open_sealed(world.ring.key, sealed, purpose=SealPurpose.DOCUMENT_NUMBER, binding=ROW)


def flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


@pytest.mark.parametrize(
    ("position", "error"),
    [
        (0, UnsupportedEnvelopeError),  # version
        (1, UnknownDataKeyError),  # data key id
        (16, UnknownDataKeyError),
        (17, TamperedCiphertextError),  # nonce
        (40, TamperedCiphertextError),
        (41, TamperedCiphertextError),  # ciphertext
        (-1, TamperedCiphertextError),  # tag
    ],
)
def test_every_altered_byte_is_a_typed_error(world: World, position: int, error: type[SealingError]) -> None:
    with pytest.raises(error) as caught:
        fresh_ring(world).open_document_number(flip(world.sealed, position), T.RESIDENT_ID, row=ROW)
    assert NUMBER not in str(caught.value)
    assert ROW not in str(caught.value)


def test_a_ciphertext_moved_to_another_row_or_type_does_not_open(world: World) -> None:
    ring = fresh_ring(world)
    with pytest.raises(TamperedCiphertextError):
        ring.open_document_number(world.sealed, T.RESIDENT_ID, row="holder:another")
    with pytest.raises(TamperedCiphertextError):
        ring.open_document_number(world.sealed, T.RESIDENCE_PERMIT, row=ROW)


def test_a_truncated_value_is_unsupported(world: World) -> None:
    with pytest.raises(UnsupportedEnvelopeError):
        fresh_ring(world).open_document_number(world.sealed[:56], T.RESIDENT_ID, row=ROW)
    with pytest.raises(TamperedCiphertextError):  # long enough for the layout, but cut
        fresh_ring(world).open_document_number(world.sealed[:-1], T.RESIDENT_ID, row=ROW)


def test_a_key_the_ring_does_not_hold_is_unknown(world: World) -> None:
    with pytest.raises(UnknownDataKeyError):
        DataKeyRing(world.kek).open_document_number(world.sealed, T.RESIDENT_ID, row=ROW)
    with pytest.raises(UnknownDataKeyError):
        _ = DataKeyRing(world.kek).active


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda r: msgspec.structs.replace(r, wrapped=flip(r.wrapped, 30)), TamperedWrappedKeyError),
        (lambda r: msgspec.structs.replace(r, wrapped=flip(r.wrapped, 0)), TamperedWrappedKeyError),  # nonce
        (lambda r: msgspec.structs.replace(r, wrapped=r.wrapped[:20]), TamperedWrappedKeyError),
        (lambda r: msgspec.structs.replace(r, created_on=date(2025, 6, 2)), TamperedWrappedKeyError),
        (lambda r: msgspec.structs.replace(r, dk_id=b64url_encode(bytes(16))), TamperedWrappedKeyError),
        (lambda r: msgspec.structs.replace(r, kek_id="AAAAAAAAAAA"), WrongKekError),
    ],
)
def test_an_altered_wrapped_key_is_a_typed_error(
    world: World, change: Callable[[WrappedDataKey], WrappedDataKey], error: type[SealingError]
) -> None:
    with pytest.raises(error):
        unwrap_data_key(change(world.row), world.kek)


def test_a_wrapped_key_row_cannot_stand_in_for_another(world: World) -> None:
    other = wrap_data_key(DataKey.generate(), world.kek, created_on=DAY)
    swapped = msgspec.structs.replace(other, wrapped=world.row.wrapped)
    with pytest.raises(TamperedWrappedKeyError):
        unwrap_data_key(swapped, world.kek)


def test_kek_rotation_rewraps_every_data_key_and_no_row(world: World, tmp_path: Path) -> None:
    """Rotate: new KEK file, data keys re-wrapped, old KEK file destroyed. Every old ciphertext still opens
    with the new KEK; with the removed one, nothing does."""
    old_path, new_path = tmp_path / "keys" / "old.kek", tmp_path / "keys" / "new.kek"
    write_kek_file(old_path, world.kek, passphrase=b"old passphrase", created_at=T0, **FAST)
    second = world.ring.new_key(created_on=date(2025, 6, 2))
    sealed = {
        world.row.dk_id: world.sealed,
        second.dk_id: seal_document_number(world.ring.active, T.PASSPORT, "E12345678", row="holder:2"),
    }
    stored = [world.row, second]
    before = dict(sealed)

    old = read_kek_file(old_path, b"old passphrase").kek
    new = KeyEncryptionKey.generate()
    write_kek_file(new_path, new, passphrase=b"new passphrase", created_at=T0, **FAST)
    rotated = rewrap_all(stored, old=old, new=new)
    old_path.unlink()

    assert [r.dk_id for r in rotated] == [r.dk_id for r in stored]
    assert [r.created_on for r in rotated] == [r.created_on for r in stored]
    assert all(r.kek_id == new.kek_id != old.kek_id for r in rotated)
    assert sealed == before  # no sealed row was touched
    ring = DataKeyRing(read_kek_file(new_path, b"new passphrase").kek, rotated)
    assert ring.open_document_number(sealed[world.row.dk_id], T.RESIDENT_ID, row=ROW) == NUMBER
    assert ring.open_document_number(sealed[second.dk_id], T.PASSPORT, row="holder:2") == "E12345678"
    for row in rotated:
        with pytest.raises(WrongKekError):
            unwrap_data_key(row, old)
        with pytest.raises(TamperedWrappedKeyError):  # relabelled to the old KEK: still does not open
            unwrap_data_key(msgspec.structs.replace(row, kek_id=old.kek_id), old)
    with pytest.raises(WrongPassphraseError):
        read_kek_file(new_path, b"old passphrase")


def test_rotation_is_all_or_nothing(world: World) -> None:
    foreign = wrap_data_key(DataKey.generate(), KeyEncryptionKey.generate(), created_on=DAY)
    with pytest.raises(WrongKekError):
        rewrap_all([world.row, foreign], old=world.kek, new=KeyEncryptionKey.generate())


def test_keys_never_show(world: World) -> None:
    key = world.ring.active
    raw = key.export_key()
    for text in (repr(key), str(key), repr(world.ring), repr(world.row)):
        assert raw.hex() not in text
        assert b64url_encode(raw) not in text
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.copy(key)


def test_policy_new_key_per_day_and_per_max_rows(world: World) -> None:
    policy = DataKeyPolicy(max_rows=3)
    assert policy.needs_new_key(None, sealed_under_active=0, today=DAY)
    assert not policy.needs_new_key(world.row, sealed_under_active=2, today=DAY)
    assert policy.needs_new_key(world.row, sealed_under_active=3, today=DAY)
    assert policy.needs_new_key(world.row, sealed_under_active=0, today=date(2025, 6, 2))
    assert DataKeyPolicy().max_rows == 100_000


@given(
    st.text(min_size=1, max_size=40),
    st.text(max_size=60),
    st.sampled_from(list(DocumentType)),
    st.data(),
)
def test_round_trip_and_any_flip_fails(number: str, row: str, doc_type: DocumentType, data: st.DataObject) -> None:
    kek = KeyEncryptionKey.from_bytes(bytes(32))
    ring = DataKeyRing(kek)
    ring.new_key(created_on=DAY)
    sealed = seal_document_number(ring.active, doc_type, number, row=row)
    assert ring.open_document_number(sealed, doc_type, row=row) == number
    position = data.draw(st.integers(0, len(sealed) - 1))
    bit = data.draw(st.integers(0, 7))
    changed = bytearray(sealed)
    changed[position] ^= 1 << bit
    with pytest.raises(SealingError):
        open_document_number(ring.key, bytes(changed), doc_type, row=row)

"""Staff passwords: Argon2id strings that verify, refuse the wrong password, and never contain the password."""

from __future__ import annotations

import pytest

from issuer.console.passwords import TEST_ONLY, check_new_password, hash_password, verify_password
from issuer.errors import InvalidInputError


def test_an_argon2id_hash_verifies_the_password_and_nothing_else() -> None:
    stored = hash_password("a-long-password", TEST_ONLY)
    assert stored.startswith("$argon2id$")
    assert "a-long-password" not in stored
    assert verify_password(stored, "a-long-password", TEST_ONLY)
    assert not verify_password(stored, "a-long-passworD", TEST_ONLY)
    assert hash_password("a-long-password", TEST_ONLY) != stored  # salted


def test_no_account_and_malformed_hashes_never_match() -> None:
    assert not verify_password(None, "a-long-password", TEST_ONLY)
    assert not verify_password("$argon2id$garbage", "a-long-password", TEST_ONLY)
    assert not verify_password("", "", TEST_ONLY)


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_too_short_or_long_passwords_are_refused_without_repeating_them(password: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        check_new_password(password)
    assert password not in str(refused.value)
    assert "10–128" in str(refused.value)

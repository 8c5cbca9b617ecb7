"""TOTP against the published vectors (RFC 4226 appendix D, RFC 6238 appendix B), the drift window, replay,
sealing and recovery codes."""

from __future__ import annotations

import pytest

from issuer.console import totp

RFC4226_SECRET = b"12345678901234567890"
RFC4226_HOTP = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]

SECRETS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC6238 = [  # time, sha1, sha256, sha512 (8 digits)
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("counter", "expected"), list(enumerate(RFC4226_HOTP)))
def test_hotp_matches_rfc_4226(counter: int, expected: str) -> None:
    assert totp.hotp(RFC4226_SECRET, counter) == expected


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), RFC6238)
def test_totp_matches_rfc_6238(at: int, sha1: str, sha256: str, sha512: str) -> None:
    for digest, expected in (("sha1", sha1), ("sha256", sha256), ("sha512", sha512)):
        assert totp.totp(SECRETS[digest], at, digits=8, digest=digest) == expected


def test_a_code_is_good_for_one_step_either_side_and_only_once() -> None:
    secret = SECRETS["sha1"]
    now = 1_700_000_000.0
    step = totp.step_of(now)
    code = totp.hotp(secret, step)
    assert totp.match_step(secret, code, now, last_step=None) == step
    assert totp.match_step(secret, code, now + 30, last_step=None) == step  # the clock ran ahead
    assert totp.match_step(secret, code, now - 30, last_step=None) == step
    assert totp.match_step(secret, code, now + 90, last_step=None) is None  # too old
    assert totp.match_step(secret, code, now, last_step=step) is None  # replayed
    assert totp.match_step(secret, f" {code[:3]} {code[3:]} ", now, last_step=None) == step
    for junk in ("", "12345", "1234567", "abcdef", "１２３４５６"):
        assert totp.match_step(secret, junk, now, last_step=None) is None


def test_the_secret_is_sealed_and_opens_only_with_its_key() -> None:
    key = totp.sealing_key(b"a-server-secret-of-some-length")
    secret = totp.new_secret()
    sealed = totp.seal(secret, key)
    assert secret not in sealed
    assert totp.unseal(sealed, key) == secret
    with pytest.raises(totp.SealError):
        totp.unseal(sealed, totp.sealing_key(b"another-server-secret-entirely"))
    with pytest.raises(totp.SealError):
        totp.unseal(sealed[:-1] + bytes([sealed[-1] ^ 1]), key)


def test_the_enrolment_uri_and_recovery_codes() -> None:
    uri = totp.otpauth_uri(SECRETS["sha1"], login="inst.li", issuer="certreg")
    assert uri.startswith("otpauth://totp/certreg%3Ainst.li?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=certreg")
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10
    assert all(totp.looks_like_recovery_code(code) for code in codes)
    assert not totp.looks_like_recovery_code("123456")
    assert totp.recovery_hash(1, codes[0]) == totp.recovery_hash(1, codes[0].upper().replace("-", " "))
    assert totp.recovery_hash(1, codes[0]) != totp.recovery_hash(2, codes[0])

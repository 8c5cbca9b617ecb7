"""Signs/s and verifies/s of our code next to bare PyNaCl, measured in the same run.

Contenders, all over the same message (``DOMAIN + statement`` of a typical record, 114 bytes):

* ``bare sign``: ``nacl.signing.SigningKey.sign`` — ``ours sign``: :meth:`keys.signing.SigningKey.sign`
* ``bare verify``: ``nacl.signing.VerifyKey.verify(message, signature=sig)``
* ``ours verify_signature``: :func:`keys.signing.verify_signature`
* ``ours KeySet.verify``: the full key-set check (kid look-up in a 30-key set with the key last, window,
  compromise, signature) — what ``verify_ratio`` reports
* ``ours verify_statement``: decode + key-set check (what a token verification costs)

Each round times every contender for ``--loops`` calls (with :mod:`timeit`, so the garbage collector stays
out), in a rotating order so that ours and bare are interleaved and drift favours none. The table shows the
best of ``--rounds`` rounds, as the timeit documentation recommends: on a shared machine every slower round
is another process's noise, not our code, and medians of such rounds moved the ratios from 0.88 to 1.01
between runs. The last line is exactly one JSON object ``{"sign_ratio": …, "verify_ratio": …}`` (ours /
bare of the best rates, higher is better; the target is >= 0.9).
Run: ``.venv/bin/python bench/crypto.py``.
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable

import nacl.signing

from bench.flags import bench_parser
from keys.keyset import KeySet
from keys.signing import SigningKey, verify_signature
from registry.statement import DOMAIN, encode_statement, verify_statement
from tests.unit.keys.factory import make_info
from tests.unit.statement.world import INFO, typical


def contenders() -> dict[str, Callable[[], object]]:
    """Name -> a zero-argument call doing one operation."""
    seed = bytes(range(32))
    ours = SigningKey.from_seed(seed)
    others = [SigningKey.from_seed(bytes([i]) * 32) for i in range(1, 30)]
    # The statement tests' key window and typical record, signed by this bench's own keys.
    others_info = (make_info(k, authority=f"4301{i:02d}", valid_from=INFO.valid_from) for i, k in enumerate(others))
    keyset = KeySet(keys=(*others_info, make_info(ours, valid_from=INFO.valid_from)))
    st = typical(kid=ours.kid)
    data = encode_statement(st)
    message = DOMAIN + data
    bare_sk = nacl.signing.SigningKey(seed)
    bare_vk = bare_sk.verify_key
    signature = ours.sign(message)
    public, signed_on = ours.public_key, st.issued_date
    return {
        "bare sign": lambda: bare_sk.sign(message),
        "ours sign": lambda: ours.sign(message),
        "bare verify": lambda: bare_vk.verify(message, signature=signature),
        "ours verify_signature": lambda: verify_signature(public_key=public, message=message, signature=signature),
        "ours KeySet.verify": lambda: keyset.verify(
            kid=ours.kid, message=message, signature=signature, signed_on=signed_on, authority=st.authority_code
        ),
        "ours verify_statement": lambda: verify_statement(data, signature, keyset),
    }


Timer = Callable[[Callable[[], object], int], float]


def _seconds(call: Callable[[], object], loops: int) -> float:
    return timeit.Timer(call).timeit(number=loops)


def measure(
    rounds: int, loops: int, calls: dict[str, Callable[[], object]] | None = None, timer: Timer = _seconds
) -> dict[str, float]:
    """Best operations per second of each contender over ``rounds`` interleaved rounds."""
    calls = contenders() if calls is None else calls
    names = list(calls)
    for name in names:  # warm-up
        timer(calls[name], loops // 10 or 1)
    best = dict.fromkeys(names, 0.0)
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            best[name] = max(best[name], loops / timer(calls[name], loops))
    return best


def ratios(best: dict[str, float]) -> dict[str, float]:
    """The two figures the target is about: ours / bare for signing and for a full key-set verification."""
    return {
        "sign_ratio": round(best["ours sign"] / best["bare sign"], 3),
        "verify_ratio": round(best["ours KeySet.verify"] / best["bare verify"], 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__.splitlines()[0], rounds=15, loops=2000)
    args = parser.parse_args(argv)
    best = measure(args.rounds, args.loops)
    print(f"best of {args.rounds} interleaved rounds x {args.loops} calls")
    print(f"{'operation':24} {'ops/s':>10} {'vs bare':>8}")
    for name, rate in best.items():
        bare = best["bare sign" if "sign" in name and "verify" not in name else "bare verify"]
        print(f"{name:24} {rate:10.0f} {rate / bare:8.3f}")
    print(json.dumps(ratios(best)))


if __name__ == "__main__":
    main()

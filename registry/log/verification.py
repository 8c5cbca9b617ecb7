"""Verifying inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2): pure, for monitors and tests.

Each function returns ``None`` or raises :class:`ProofError` saying why the proof fails. Every hash must be
32 bytes; a proof one hash too long or too short fails, as does any flipped bit. Edge cases follow
transparency-dev/merkle (the implementation whose vectors ``tests/vectors/log`` carries): a consistency
proof between equal sizes is empty and the roots must be equal; one from the empty tree is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from registry.log.errors import ProofError
from registry.log.merkle import HASH_SIZE, node_hash


def _check_hashes(proof: Sequence[bytes], *named: tuple[str, bytes]) -> None:
    for name, value in named:
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ProofError(f"{name} 不是 32 字节的哈希 / {name} is not a 32-byte hash")
    for position, value in enumerate(proof):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ProofError(f"证明第 {position} 项不是 32 字节的哈希 / proof[{position}] is not a 32-byte hash")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for leaf hash ``leaf`` at ``index`` in a tree of ``size`` leaves.

    Raises :class:`ProofError` when the index is outside the tree or the proof has the wrong length.
    """
    if not 0 <= index < size:
        raise ProofError(f"叶子 {index} 不在大小为 {size} 的树中 / leaf {index} is not in a tree of size {size}")
    _check_hashes(proof, ("leaf hash", leaf))
    return _chain(index, size - 1, leaf, proof, ("证明", "inclusion proof"))[1]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Check that leaf hash ``leaf`` is at ``index`` of the tree of ``size`` leaves whose root is ``root``.

    Raises :class:`ProofError` when it is not (or the proof is malformed).
    """
    if not isinstance(root, bytes) or len(root) != HASH_SIZE:
        raise ProofError("根哈希不是 32 字节 / the root is not a 32-byte hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError(
            f"包含证明不成立：叶子 {index} 不在该树根之下 / the inclusion proof fails: leaf {index} is not "
            f"under this root of size {size}"
        )


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> None:
    """Check that the tree of ``first`` leaves with root ``first_root`` is a prefix of the tree of ``second``
    leaves with root ``second_root``.

    Raises :class:`ProofError` when it is not: the log forked or was rewritten between the two.
    """
    if not 0 <= first <= second:
        raise ProofError(f"树变小了：{first} > {second} / the tree shrank from {first} to {second} leaves")
    if first == second:
        if proof:
            raise ProofError("大小相同的两棵树之间的证明应为空 / a proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError(f"同一大小 {first} 有两个不同的根 / two different roots for size {first}")
        return
    if first == 0:
        raise ProofError("不能从空树证明一致性 / a consistency proof from the empty tree means nothing")
    if not proof:
        raise ProofError("一致性证明为空 / the consistency proof is empty")
    _check_hashes(proof, ("first root", first_root), ("second root", second_root))
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    first_computed, second_computed = _chain_consistency(first, second, path)
    if first_computed != first_root or second_computed != second_root:
        raise ProofError(
            f"一致性证明不成立：大小 {first} 的树不是大小 {second} 的树的前缀 / the consistency proof fails: the "
            f"tree of size {first} is not a prefix of the tree of size {second}"
        )


def _chain_consistency(first: int, second: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 3–7: the two roots ``path`` implies; raises when its length is wrong."""
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    return _chain(fn, sn, path[0], path[1:], ("一致性证明", "consistency proof"))


def _chain(fn: int, sn: int, start: bytes, path: Sequence[bytes], named: tuple[str, str]) -> tuple[bytes, bytes]:
    """The walk both proofs share (RFC 9162 §2.1.3.2 step 3, §2.1.4.2 step 7): from ``start`` at node ``fn``
    of the right edge ``sn``, the hash of the first subtree the ``path`` implies and that of the whole tree.
    ``named`` (zh, en) names the proof when its length is wrong, which raises :class:`ProofError`."""
    fr = sr = start
    for c in path:
        if sn == 0:
            raise ProofError(f"{named[0]}过长 / the {named[1]} is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"{named[0]}过短 / the {named[1]} is too short")
    return fr, sr

"""Proof verification and generation against published vectors (sources in tests/vectors/log/README.md):
the RFC 6962 reference tree of transparency-dev/merkle and probe files of its generated corpus."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from registry.log.errors import ProofError
from registry.log.merkle import EMPTY_ROOT, leaf_hash
from registry.log.verification import root_from_inclusion_proof, verify_consistency, verify_inclusion
from tests.unit.log.trees import consistency, inclusion, mth

VECTORS = Path(__file__).parents[2] / "vectors" / "log"
TREE = json.loads((VECTORS / "rfc6962_tree8.json").read_text())
PROBES = json.loads((VECTORS / "transparency_dev_probes.json").read_text())
LEAVES = [bytes.fromhex(h) for h in TREE["leaves_hex"]]
HASHES = [leaf_hash(data) for data in LEAVES]
ROOTS = [bytes.fromhex(h) for h in TREE["roots_hex"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [bytes.fromhex(h) for h in vector["proof_hex"]]


def test_roots_of_every_prefix() -> None:
    assert [mth(HASHES[:n]) for n in range(1, 9)] == ROOTS
    assert mth([]) == EMPTY_ROOT


@pytest.mark.parametrize("vector", TREE["inclusion"], ids=lambda v: f"{v['leaf'] - 1}@{v['size']}")
def test_inclusion_vectors(vector: dict[str, Any]) -> None:
    index, size, proof = vector["leaf"] - 1, vector["size"], _proof(vector)
    root = ROOTS[size - 1]
    assert inclusion(HASHES, index, size) == proof  # our path arithmetic gives the published proof
    assert root_from_inclusion_proof(index, size, HASHES[index], proof) == root
    verify_inclusion(index, size, HASHES[index], proof, root)


def _moved_numbers(
    names: tuple[str, str], first: int, second: int, arguments: Callable[[int, int], tuple[Any, ...]]
) -> list[tuple[str, Any]]:
    """The probes both corrupt* functions of transparency-dev/merkle begin with: the first of the proof's two
    numbers (index, or first size) one off or with bit 1 flipped, the second (size, or second size) doubled or
    halved; ``arguments`` makes the verifier's arguments from the two numbers."""
    one, two = names
    moved = [(first - 1, second), (first + 1, second), (first ^ 2, second), (first, second * 2), (first, second // 2)]
    labels = [f"{one} - 1", f"{one} + 1", f"{one} ^ 2", f"{two} * 2", f"{two} / 2"]
    return [(label, arguments(*numbers)) for label, numbers in zip(labels, moved, strict=True)]


def _inclusion_probes(index: int, size: int, proof: list[bytes], root: bytes) -> list[tuple[str, Any]]:
    """transparency-dev/merkle's corruptInclusionProof (proof/verify_test.go), in Python."""
    leaf = HASHES[index]
    probes: list[tuple[str, Any]] = [
        *_moved_numbers(("index", "size"), index, size, lambda i, n: (i, n, leaf, proof, root)),
        ("wrong leaf", (index, size, b"WrongLeaf", proof, root)),
        ("empty root", (index, size, leaf, proof, EMPTY_ROOT)),
        ("random root", (index, size, leaf, proof, SOME_HASH)),
        ("trailing garbage", (index, size, leaf, [*proof, b""], root)),
        ("trailing root", (index, size, leaf, [*proof, root], root)),
        ("preceding garbage", (index, size, leaf, [b"", *proof], root)),
        ("preceding root", (index, size, leaf, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        probes.append((f"proof[{i}] bit 3", (index, size, leaf, flipped, root)))
    if proof:
        probes.append(("removed component", (index, size, leaf, proof[:-1], root)))
    if len(proof) > 1:
        probes.append(("inserted component", (index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], root)))
    return probes


@pytest.mark.parametrize("vector", TREE["inclusion"][1:], ids=lambda v: f"{v['leaf'] - 1}@{v['size']}")
def test_corrupted_inclusion_proofs_fail(vector: dict[str, Any]) -> None:
    index, size = vector["leaf"] - 1, vector["size"]
    for desc, (i, n, leaf, proof, root) in _inclusion_probes(index, size, _proof(vector), ROOTS[size - 1]):
        with pytest.raises(ProofError):
            verify_inclusion(i, n, leaf, proof, root)
            pytest.fail(f"verified a corrupted proof: {desc}")


@pytest.mark.parametrize("vector", TREE["consistency"], ids=lambda v: f"{v['size1']}-{v['size2']}")
def test_consistency_vectors(vector: dict[str, Any]) -> None:
    first, second, proof = vector["size1"], vector["size2"], _proof(vector)
    assert consistency(HASHES, first, second) == proof
    verify_consistency(first, second, proof, ROOTS[first - 1], ROOTS[second - 1])


def _consistency_probes(first: int, second: int, proof: list[bytes]) -> list[tuple[str, Any]]:
    """transparency-dev/merkle's corruptConsistencyProof (proof/verify_test.go), in Python."""
    r1, r2 = ROOTS[first - 1], ROOTS[second - 1]
    probes: list[tuple[str, Any]] = [
        *_moved_numbers(("first", "second"), first, second, lambda m, n: (m, n, proof, r1, r2)),
        ("wrong first root", (first, second, proof, b"WrongRoot", r2)),
        ("wrong second root", (first, second, proof, r1, b"WrongRoot")),
        ("swapped roots", (first, second, proof, r2, r1)),
        ("empty proof", (first, second, [], r1, r2)),
        ("trailing garbage", (first, second, [*proof, b""], r1, r2)),
        ("trailing root1", (first, second, [*proof, r1], r1, r2)),
        ("trailing root2", (first, second, [*proof, r2], r1, r2)),
        ("preceding garbage", (first, second, [b"", *proof], r1, r2)),
        ("preceding root1", (first, second, [r1, *proof], r1, r2)),
        ("preceding root2", (first, second, [r2, *proof], r1, r2)),
        ("preceding proof[0]", (first, second, [proof[0], *proof], r1, r2)),
        ("truncated proof", (first, second, proof[:-1], r1, r2)),
    ]
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        probes.append((f"proof[{i}] bit 4", (first, second, flipped, r1, r2)))
    return probes


@pytest.mark.parametrize("vector", TREE["consistency"][1:], ids=lambda v: f"{v['size1']}-{v['size2']}")
def test_corrupted_consistency_proofs_fail(vector: dict[str, Any]) -> None:
    for desc, (first, second, proof, r1, r2) in _consistency_probes(vector["size1"], vector["size2"], _proof(vector)):
        with pytest.raises(ProofError):
            verify_consistency(first, second, proof, r1, r2)
            pytest.fail(f"verified a corrupted proof: {desc}")


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


@pytest.mark.parametrize("probe", PROBES["inclusion"], ids=lambda p: p["source"].split("/testdata/")[1])
def test_transparency_dev_inclusion_probes(probe: dict[str, Any]) -> None:
    data = probe["probe"]
    index = data.get("leafIdx", data.get("leafIndex"))
    args = (index, data["treeSize"], _b64(data["leafHash"]), [_b64(p) for p in data["proof"] or []], _b64(data["root"]))
    if data["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("probe", PROBES["consistency"], ids=lambda p: p["source"].split("/testdata/")[1])
def test_transparency_dev_consistency_probes(probe: dict[str, Any]) -> None:
    data = probe["probe"]
    proof = [_b64(p) for p in data["proof"] or []]
    args = (data["size1"], data["size2"], proof, _b64(data["root1"]), _b64(data["root2"]))
    if data["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)

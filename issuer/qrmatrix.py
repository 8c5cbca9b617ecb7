"""A QR encoder for the one shape batch rendering needs: an alphanumeric URL, error correction M, a fixed mask.

Why: drawing a 100,000-row ``qr.zip`` is mostly segno building symbols (data placement, masking and
Reed–Solomon in pure Python, ~3 ms a symbol even with the mask fixed). Everything that does not depend on
the data — function patterns, format and version information, the order of the data modules and the
mask over them — is computed once per version here; a symbol is then its codewords' bits XORed with the
precomputed mask and dropped into place (~0.6 ms). The output is the module matrix segno would give for
the same input (``tests/unit/issuing/test_qr_matrix.py`` compares them over every version); anything
outside this shape (lower case, bytes) is left to segno by :func:`issuer.qr.fast_matrix`.

ISO/IEC 18004:2015 §7.4 (data encoding), §7.5 (error correction), §7.7 (placement), §7.8 (mask 2:
column mod 3 = 0), §7.9 (format and version information); tables as in Project Nayuki's QR Code generator.
"""

from __future__ import annotations

import functools
import operator
from typing import Final

ALPHANUMERIC: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE: Final = {char: index for index, char in enumerate(ALPHANUMERIC)}
#: Error correction M: codewords per block, and number of blocks, for versions 1–40 (index 0 unused).
_ECC_PER_BLOCK: Final = (0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28,
                         28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28)  # fmt: skip
_BLOCKS: Final = (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25,
                  26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49)  # fmt: skip
_FORMAT_M: Final = 0  # error correction level M in the format information
_BITS: Final = bytes.maketrans(b"01", b"\x00\x01")


def _gf_tables() -> tuple[list[int], list[int]]:
    exp = [0] * 512
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for power in range(255, 512):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


@functools.cache
def _divisor_logs(degree: int) -> tuple[int, ...]:
    """Logarithms of the Reed–Solomon generator polynomial of ``degree`` (leading term dropped)."""
    poly = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for index in range(degree):
            poly[index] = _EXP[_LOG[poly[index]] + _LOG[root]] if poly[index] and root else 0
            if index + 1 < degree:
                poly[index] ^= poly[index + 1]
        root = _EXP[_LOG[root] + 1]
    return tuple(_LOG[coefficient] for coefficient in poly)


def _remainder(data: bytes, degree: int) -> bytes:
    logs = _divisor_logs(degree)
    result = [0] * degree
    exp = _EXP
    for byte in data:
        factor = byte ^ result.pop(0)
        result.append(0)
        if factor:
            log_factor = _LOG[factor]
            for index, log_coefficient in enumerate(logs):
                result[index] ^= exp[log_coefficient + log_factor]
    return bytes(result)


def _raw_modules(version: int) -> int:
    result = (16 * version + 128) * version + 64
    if version >= 2:
        aligns = version // 7 + 2
        result -= (25 * aligns - 10) * aligns - 55
        if version >= 7:
            result -= 36
    return result


def data_codewords(version: int) -> int:
    """Data codewords of ``version`` at error correction M."""
    return _raw_modules(version) // 8 - _ECC_PER_BLOCK[version] * _BLOCKS[version]


def _count_bits(version: int) -> int:
    return 9 if version <= 9 else 11 if version <= 26 else 13


def choose_version(length: int) -> int:
    """The smallest version holding ``length`` alphanumeric characters at M; ``ValueError`` past 40."""
    payload = 11 * (length // 2) + 6 * (length % 2)
    for version in range(1, 41):
        if 4 + _count_bits(version) + payload <= data_codewords(version) * 8:
            return version
    raise ValueError(f"{length} alphanumeric characters do not fit a QR code at error correction M")


def _data(text: str, version: int) -> bytes:
    values = [_VALUE[char] for char in text]
    bits = ["0010", format(len(text), f"0{_count_bits(version)}b")]
    bits += [format(values[i] * 45 + values[i + 1], "011b") for i in range(0, len(values) - 1, 2)]
    if len(values) % 2:
        bits.append(format(values[-1], "06b"))
    stream = "".join(bits)
    capacity = data_codewords(version) * 8
    stream += "0" * min(4, capacity - len(stream))
    # Like segno, a stream already on a codeword boundary gets a whole zero codeword (valid either way: a
    # reader stops at the terminator), so both encoders give the same symbol.
    stream += "0" * min(8 - len(stream) % 8, capacity - len(stream))
    data = int(stream, 2).to_bytes(len(stream) // 8, "big")
    pad = (capacity // 8) - len(data)
    return data + (b"\xec\x11" * (pad // 2 + 1))[:pad]


def _codewords(data: bytes, version: int) -> bytes:
    blocks_count = _BLOCKS[version]
    ecc = _ECC_PER_BLOCK[version]
    raw = _raw_modules(version) // 8
    short_count = blocks_count - raw % blocks_count
    short_data = raw // blocks_count - ecc
    blocks: list[bytes] = []
    start = 0
    for index in range(blocks_count):
        size = short_data + (index >= short_count)
        blocks.append(data[start : start + size])
        start += size
    out = bytearray()
    for column in range(short_data + 1):
        out.extend(block[column] for block in blocks if column < len(block))
    remainders = [_remainder(block, ecc) for block in blocks]
    for column in range(ecc):
        out.extend(remainder[column] for remainder in remainders)
    return bytes(out)


def _alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    positions = [version * 4 + 10 - step * index for index in range(count - 1)]
    return [6, *reversed(positions)]


class _Grid:
    """Modules and which of them are function patterns, filled in by the ``_draw_*`` steps."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.modules = [[0] * size for _ in range(size)]
        self.function = [[False] * size for _ in range(size)]

    def put(self, x: int, y: int, dark: bool) -> None:
        self.modules[y][x] = int(dark)
        self.function[y][x] = True


def _draw_finders_and_timing(grid: _Grid) -> None:
    size = grid.size
    for i in range(size):
        grid.put(6, i, i % 2 == 0)
        grid.put(i, 6, i % 2 == 0)
    for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                if 0 <= cx + dx < size and 0 <= cy + dy < size:
                    grid.put(cx + dx, cy + dy, max(abs(dx), abs(dy)) not in (2, 4))


def _draw_alignment(grid: _Grid, version: int) -> None:
    positions = _alignment_positions(version)
    last = len(positions) - 1
    for i, cx in enumerate(positions):
        for j, cy in enumerate(positions):
            if (i, j) in ((0, 0), (0, last), (last, 0)):
                continue
            for dy in range(-2, 3):
                for dx in range(-2, 3):
                    grid.put(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1)


def _draw_format(grid: _Grid, mask: int) -> None:
    size = grid.size
    data = _FORMAT_M << 3 | mask
    remainder = data
    for _ in range(10):
        remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537)
    bits = (data << 10 | remainder) ^ 0x5412
    first = [(8, i) for i in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(14 - i, 8) for i in range(9, 15)]
    second = [(size - 1 - i, 8) for i in range(8)] + [(8, size - 15 + i) for i in range(8, 15)]
    for index, (x, y) in enumerate(first):
        grid.put(x, y, bool(bits >> index & 1))
    for index, (x, y) in enumerate(second):
        grid.put(x, y, bool(bits >> index & 1))
    grid.put(8, size - 8, True)  # the dark module


def _draw_version(grid: _Grid, version: int) -> None:
    if version < 7:
        return
    remainder = version
    for _ in range(12):
        remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25)
    bits = version << 12 | remainder
    for i in range(18):
        a, b = grid.size - 11 + i % 3, i // 3
        grid.put(a, b, bool(bits >> i & 1))
        grid.put(b, a, bool(bits >> i & 1))


def _zigzag(grid: _Grid) -> list[int]:
    """Flat indices of the data modules in placement order (two columns at a time, up then down)."""
    size = grid.size
    order: list[int] = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = (right + 1) & 2 == 0
        for vertical in range(size):
            y = size - 1 - vertical if upward else vertical
            order.extend(y * size + x for x in (right, right - 1) if not grid.function[y][x])
        right -= 2
    return order


class _Template:
    """What a symbol of one version shares with every other: modules, data positions, mask bits."""

    def __init__(self, version: int, mask: int) -> None:
        if mask != 2:
            raise ValueError("only mask 2 (column mod 3 = 0) is precomputed")
        grid = _Grid(version * 4 + 17)
        _draw_finders_and_timing(grid)
        _draw_alignment(grid, version)
        _draw_format(grid, mask)
        _draw_version(grid, version)
        self.size = grid.size
        order = _zigzag(grid)
        self.data_modules = len(order)
        self.mask_bits = int("".join("1" if (index % grid.size) % 3 == 0 else "0" for index in order), 2)
        # The whole symbol is one gather from (data bits in placement order + the function modules): each
        # module's index in that source, so a symbol is a single C-level itemgetter call, no Python loop.
        base = "".join(str(value) for row in grid.modules for value in row)
        source_of = {position: index for index, position in enumerate(order)}
        self.function_bits = base
        self.gather = operator.itemgetter(
            *(source_of.get(position, len(order) + position) for position in range(grid.size * grid.size))
        )


@functools.cache
def _template(version: int, mask: int) -> _Template:
    return _Template(version, mask)


def is_alphanumeric(text: str) -> bool:
    """Whether every character of ``text`` is in the QR alphanumeric set (upper-case URLs are)."""
    return all(char in _VALUE for char in text)


def alphanumeric_matrix(text: str, *, mask: int = 2) -> tuple[bytearray, ...]:
    """The module matrix (rows, 1 = dark) of ``text`` in one alphanumeric segment at error correction M,
    smallest version, data ``mask``. Raises ``ValueError`` for other characters or too much text."""
    if not is_alphanumeric(text):
        raise ValueError("not QR alphanumeric text")
    version = choose_version(len(text))
    template = _template(version, mask)
    codewords = _codewords(_data(text, version), version)
    count = template.data_modules
    bits = int.from_bytes(codewords, "big") << (count - len(codewords) * 8)  # remainder bits: 0
    bits ^= template.mask_bits
    flat = "".join(template.gather(format(bits, f"0{count}b") + template.function_bits)).encode().translate(_BITS)
    size = template.size
    return tuple(bytearray(flat[row : row + size]) for row in range(0, size * size, size))

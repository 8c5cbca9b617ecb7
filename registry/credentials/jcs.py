"""RFC 8785 JSON Canonicalization Scheme (JCS): one byte string for one JSON value.

``eddsa-jcs-2022`` signs the SHA-256 of the canonical form of a document, so two implementations must agree
on every byte. The rules (RFC 8785 §3.2):

* literals ``true``, ``false``, ``null``; no whitespace anywhere;
* strings in UTF-8, escaping only ``"``, ``\\`` and the controls U+0000–U+001F (``\\b \\t \\n \\f \\r`` by
  their short form, the others as ``\\u00hh`` in lower case); everything else, including U+007F, U+2028 and
  non-ASCII text, is written as is. A lone surrogate has no UTF-8 form and is refused;
* numbers as ECMAScript's ``Number.prototype.toString`` writes an IEEE 754 double (§3.2.2.3): the shortest
  digits that round-trip, plain notation for exponents −7 < e < 21, otherwise ``d.ddde±x``; ``-0`` is ``0``;
  NaN and infinities are refused, and so are integers that a double cannot hold exactly (beyond ±(2⁵³ − 1),
  I-JSON's limit);
* object members sorted by their names as arrays of UTF-16 code units (§3.2.3), arrays in order.

:func:`parse` is the matching strict reader: it refuses duplicate member names and the non-JSON constants
``NaN``/``Infinity`` that Python's reader would accept, and reads every number as the double it denotes,
so what we canonicalise is what every reader sees.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Final

from registry.credentials.errors import CanonicalizationError, MalformedCredentialError

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
JsonObject = dict[str, JsonValue]

#: I-JSON (RFC 7493 §2.2): integers a double holds exactly.
MAX_SAFE_INTEGER: Final = 2**53 - 1
#: A string as RFC 8785 §3.2.2.2 writes it: the standard library's encoder (in C) escapes exactly ``"``, ``\\``
#: and U+0000–U+001F, the five of them with a short form (``\\b \\t \\n \\f \\r``) by it and the others as
#: ``\\u00hh`` in lower case, and leaves every other character as it is: JCS's rule, many times faster than
#: escaping character by character in Python (``test_string_escapes_are_exactly_the_rfc_ones`` checks it).
_encode_string: Final = encode_basestring


def canonicalize(value: object) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value`` (dict, list/tuple, str, int, float, bool, None).

    Raises :class:`CanonicalizationError` for a value JSON cannot carry exactly (see the module docstring).
    """
    parts: list[str] = []
    _write(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalizationError("字符串含孤立代理项 / a string contains a lone surrogate") from None


def parse(data: bytes | str) -> JsonValue:
    """Read one JSON text strictly; raises :class:`MalformedCredentialError` on invalid UTF-8, invalid
    JSON, a duplicate member name, or ``NaN``/``Infinity``."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value: JsonValue = json.loads(
            text,
            object_pairs_hook=_unique_members,
            parse_constant=_no_constant,
            parse_int=_json_int,
            parse_float=_json_float,
        )
    except UnicodeDecodeError:
        raise MalformedCredentialError("不是 UTF-8 文本 / the credential is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedCredentialError(f"不是有效的 JSON / not valid JSON ({exc.msg} at {exc.pos})") from None
    except RecursionError:
        raise MalformedCredentialError("JSON 嵌套过深 / JSON nested too deeply") from None
    return value


def format_number(number: float) -> str:
    """``number`` as ECMAScript writes a double (RFC 8785 §3.2.2.3); raises :class:`CanonicalizationError`
    for NaN and infinities."""
    if not math.isfinite(number):
        raise CanonicalizationError(f"数值无 JSON 形式 / {number!r} has no JSON form")
    if number == 0:
        return "0"  # also -0.0
    sign = "-" if number < 0 else ""
    # repr() gives the shortest digits that round-trip (the same digits ECMAScript picks); Decimal splits them
    digits_tuple, exponent = _digits(abs(number))
    digits = "".join(map(str, digits_tuple))
    k, n = len(digits), len(digits) + exponent  # value = 0.digits × 10**n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


def _digits(number: float) -> tuple[tuple[int, ...], int]:
    """Significant digits (no trailing zeros) and exponent of the shortest round-trip form of ``number``."""
    _, digits, exponent = Decimal(repr(number)).as_tuple()
    assert isinstance(exponent, int)  # finite by construction
    while len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return digits, exponent


def _write(value: object, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        _write_string(value, out)
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalizationError(f"整数超出 I-JSON 范围 / integer {value} is beyond ±(2**53 - 1)")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(format_number(value))
    elif isinstance(value, Mapping):
        _write_object(value, out)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise CanonicalizationError(f"JSON 不支持此类型 / JSON has no {type(value).__name__}")


def _write_object(value: Mapping[object, object], out: list[str]) -> None:
    names: list[str] = []
    for key in value:
        if not isinstance(key, str):
            raise CanonicalizationError(f"成员名必须是字符串 / member name {key!r} is not a string")
        names.append(key)
    out.append("{")
    # §3.2.3: compare names as UTF-16 code units; big-endian UTF-16 bytes sort the same way. Code points
    # order names the same as UTF-16 units unless one lies beyond U+FFFF: ASCII names sort as they are.
    if all(name.isascii() for name in names):
        names.sort()
    else:
        names.sort(key=_utf16_key)
    for index, name in enumerate(names):
        if index:
            out.append(",")
        _write_string(name, out)
        out.append(":")
        _write(value[name], out)
    out.append("}")


def _utf16_key(name: str) -> bytes:
    try:
        return name.encode("utf-16-be")
    except UnicodeEncodeError:
        raise CanonicalizationError("成员名含孤立代理项 / a member name contains a lone surrogate") from None


def _write_string(text: str, out: list[str]) -> None:
    out.append(_encode_string(text))


def _unique_members(pairs: list[tuple[str, JsonValue]]) -> JsonObject:
    result: JsonObject = {}
    for name, item in pairs:
        if name in result:
            raise MalformedCredentialError(f"成员名重复 / duplicate member name {name!r}")
        result[name] = item
    return result


def _json_int(text: str) -> int | float:
    """An integer literal is a double in JSON (as in ECMAScript's ``JSON.parse``): beyond 2**53 it is read
    as the double it denotes, so ``9007199254740993`` and ``9007199254740992`` are the same number."""
    if len(text) <= 16:  # at most 16 digits (and a sign): an exact int, cheaper than a float round trip
        value = int(text)
        if abs(value) <= MAX_SAFE_INTEGER:
            return value
    return _json_float(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedCredentialError(f"数值超出范围 / number {text[:24]}… is beyond a double's range")
    return value


def _no_constant(name: str) -> JsonValue:
    raise MalformedCredentialError(f"JSON 不允许 {name} / {name} is not JSON")

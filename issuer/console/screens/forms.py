"""Reading the console's forms: each field checked at the edge, a 400 page (Chinese / English) for a value
that is malformed, never a 500.

The fields become the same values the API's JSON bodies carry (:mod:`issuer.batches.dto`), and the services
check them further exactly as for the API (a reason's text, rows the batch holds …).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final, Literal

from litestar import Request

from issuer.errors import InvalidInputError, ReasonRequiredError
from issuer.text_checks import check_reason_length, check_text

#: "3", "3, 5", "7-9" (ASCII or full-width comma / dash, Chinese enumeration comma; the input is NFKC-normalised
#: first, so the full-width digits and hyphen of a Chinese IME are the ASCII ones).
_RANGE: Final = re.compile(r"\s*(\d{1,10})\s*(?:[-–—~～]\s*(\d{1,10}))?\s*")
_SEPARATORS: Final = re.compile(r"[,，、;；\s]+")
MAX_ROWS: Final = 100_000
MAX_ROW_NUMBER: Final = 2**31 - 1
#: Hidden fields of the layout, never part of what an action takes.
_IGNORED: Final = frozenset({"_csrf"})
#: Each form field as its label on the screens says it (templates/console/screens), so that a refusal names
#: what the operator sees, not the wire name of the field.
LABELS: Final[dict[str, tuple[str, str]]] = {
    "reason": ("原因", "the reason"),
    "days": ("天数", "the days"),
    "name": ("姓名", "the name"),
    "id_number": ("身份证号", "the ID number"),
    "holder_name": ("姓名", "the name"),
    "holder_id": ("身份证号", "the ID number"),
    "subject_code": ("职业/项目编码", "the subject code"),
    "level": ("等级", "the level"),
    "print_serial": ("印制流水码", "the print serial"),
    "decision": ("决定", "the decision"),
    "rows": ("行号", "the row numbers"),
}


def label(name: str) -> tuple[str, str]:
    """The field's label in Chinese and English (a field no screen shows: its name, quoted)."""
    return LABELS.get(name, (name, repr(name)))


def _bad(field: str, zh: str, en: str) -> InvalidInputError:
    return InvalidInputError(f"{zh} / {en}", field=field, code=f"form.{field}")


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The text fields of an urlencoded (or multipart) form, each once; a file or a repeated field is 400."""
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if name in _IGNORED:
            continue
        if not isinstance(value, str) or name in fields:
            raise _bad("form", f"字段 {name[:32]} 无效", f"the field {name[:32]!r} is invalid")
        fields[name] = value
    return fields


def text(fields: dict[str, str], name: str, *, required: bool = True, max_length: int = 200) -> str:
    zh, en = label(name)
    value = check_text(fields.get(name, "").strip(), field=name, what=(zh, en))
    if required and not value:
        raise _bad(name, f"请填写{zh}", f"{en} is required")
    if len(value) > max_length:
        raise _bad(name, f"{zh}过长（最多 {max_length} 字）", f"{en} is longer than {max_length} characters")
    return value


def reason(fields: dict[str, str], *, required: bool = True) -> str:
    """The reason typed (the services check its content, rule 11); at most
    :data:`~issuer.text_checks.REASON_MAX_LENGTH` characters, every reason's limit (the fields' ``maxlength``),
    refused as the API refuses it (``reason.too_long``).
    An empty one where ``required`` is :class:`ReasonRequiredError`, the API's refusal word for word."""
    value = check_text(fields.get("reason", "").strip(), field="reason", what=label("reason"))
    check_reason_length(value)  # the services' refusal word for word
    if required and not value:
        raise ReasonRequiredError
    return value


def choice(fields: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = fields.get(name, "")
    if value not in allowed:
        zh, en = label(name)
        raise _bad(name, f"{zh}须为 {'、'.join(allowed)}", f"{en} must be one of {', '.join(allowed)}")
    return value


def review_decision(fields: dict[str, str]) -> Literal["approve", "reject"]:
    """A review's decision: approve, or return (``reject``) with a reason."""
    return "approve" if choice(fields, "decision", ("approve", "reject")) == "approve" else "reject"


def resolve_decision(fields: dict[str, str]) -> Literal["release", "exclude"]:
    """What becomes of held rows: released back to ``ok``, or excluded."""
    return "release" if choice(fields, "decision", ("release", "exclude")) == "release" else "exclude"


def row_numbers(fields: dict[str, str], name: str = "rows") -> list[int]:
    """Row numbers as the file shows them: ``"3, 5-7"``."""
    raw = unicodedata.normalize("NFKC", fields.get(name, ""))
    numbers: set[int] = set()
    for part in filter(None, _SEPARATORS.split(raw)):
        match = _RANGE.fullmatch(part)
        if match is None:
            raise _bad(
                name, f"行号“{part[:20]}”无效（例：3, 5-7）", f"row number {part[:20]!r} is invalid (e.g. 3, 5-7)"
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not 1 <= first <= last <= MAX_ROW_NUMBER or last - first + len(numbers) >= MAX_ROWS:
            raise _bad(name, f"行号范围“{part[:20]}”无效", f"the row range {part[:20]!r} is invalid")
        numbers.update(range(first, last + 1))
    if not numbers:
        raise _bad(name, "请填写行号（例：3, 5-7）", "give the row numbers (e.g. 3, 5-7)")
    return sorted(numbers)

"""What is wrong with one row: where, which rule, and why in Chinese and English — the ONE row problem type,
from the upload check (row reports) to issuing (the 422 that refuses a batch or a correction).

A :class:`RowProblem` is built either from a :class:`registry.rules.errors.Violation` (the registry's
validators and rules 1–6), from one of the import's own codes below (empty cells, names, unknown codes,
duplicates), or by issuing's own checks (:func:`bilingual` splits their "zh / en" texts). Codes are stable:
clients and the row report key on them.
"""

from __future__ import annotations

from typing import Final

import msgspec

from registry.convert import view_of
from registry.i18n import catalogue, split_bilingual
from registry.rules.errors import Violation

#: The import's own codes (``problems.toml`` beside this module); a Chinese text may leave out ``{field}``.
_MESSAGES: Final = catalogue("issuer.batches", "problems.toml", english_only=frozenset({"field"}))["import"]


class RowProblem(msgspec.Struct, frozen=True, kw_only=True):
    """One broken rule of one row. ``row`` is the file's row number (0 for a correction form);
    ``column`` is the header as written in the file ("" for the form, or when issuing found it).

    ``rule`` is always sent: the number of the docs/rules.md rule (rules 1–6), else :data:`FORMAT` for a value
    that is malformed or missing, or :data:`DUPLICATE` for a repeated holder (``null`` only in reports
    stored before every problem had one).
    """

    row: int = 0
    column: str = ""
    field: str
    code: str
    message_zh: str
    message_en: str
    rule: str | None = None

    @property
    def message(self) -> str:
        """Both languages in one text ("zh / en"): the CLI's tables and the 422 body's ``message``."""
        return f"{self.message_zh} / {self.message_en}"


FORMAT: Final = "format"
DUPLICATE: Final = "duplicate"


def rule_of(code: str, rule: str | None = None) -> str:
    """``rule`` if given, else :data:`DUPLICATE` for a repeated holder, number or serial, else :data:`FORMAT`."""
    if rule:
        return rule
    return DUPLICATE if code.startswith("duplicate.") or code.endswith((".duplicate", ".taken")) else FORMAT


def problem(
    code: str, *, column: str, field: str, row: int = 0, rule: str | None = None, **params: object
) -> RowProblem:
    """The problem ``code`` of the import's own table; ``KeyError`` for an unknown code (a bug)."""
    zh, en = _MESSAGES[code]
    values = {"column": column, "field": field, **params}
    return RowProblem(
        row=row,
        column=column,
        field=field,
        code=code,
        message_zh=zh.format(**values),
        message_en=en.format(**values),
        rule=rule_of(code, rule),
    )


def from_violation(found: Violation, *, column: str = "", field: str, row: int = 0) -> RowProblem:
    """A registry violation located at ``column`` of the file (or found by issuing: no column)."""
    return view_of(found, RowProblem, row=row, column=column, field=field, rule=rule_of(found.code, found.rule))


def bilingual(text: str, *, code: str, field: str, row: int = 0, rule: str | None = None) -> RowProblem:
    """A problem of issuing's own checks from a "中文 / English" text (the registry's error messages and
    issuing's own are written that way); a text without the separator is used for both languages."""
    zh, en = split_bilingual(text) or (text, text)
    return RowProblem(row=row, field=field, code=code, message_zh=zh, message_en=en, rule=rule_of(code, rule))


def codes() -> frozenset[str]:
    """Every code of the import's own table (the message catalogue test walks it)."""
    return frozenset(_MESSAGES)


_problems_encoder = msgspec.json.Encoder()
_problems_decoder = msgspec.json.Decoder(list[RowProblem])


def encode_problems(found: list[RowProblem]) -> str:
    """The JSON text stored in ``batch_row.problems`` ("" for a row without problems)."""
    return _problems_encoder.encode(found).decode() if found else ""


def decode_problems(text: str, *, row: int = 0) -> list[RowProblem]:
    """The problems stored in ``batch_row.problems``; ``row`` fills the row number of reports stored
    before problems carried one."""
    found = _problems_decoder.decode(text) if text else []
    return [p if p.row or not row else msgspec.structs.replace(p, row=row) for p in found]

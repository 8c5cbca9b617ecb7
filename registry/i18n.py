"""Message catalogues: the project's bilingual texts (Chinese, English) as data, one TOML file per package.

A translator edits a catalogue without touching code. Each file lies beside the modules that use it
(``registry/rules/messages.toml``, ``verify/answers.toml``, ``issuer/batches/problems.toml``) and holds
sections (TOML tables) of entries ``code = ["中文", "English"]``; a code with a dot is quoted
(``"id.format" = [...]``). ``{name}`` placeholders are filled by the code that uses a text.

:func:`catalogue` reads a file once, at the import of its user, and refuses it (:class:`CatalogueError`, naming
the file, section and code) unless every entry is exactly two non-empty strings whose Chinese and English
texts name the same placeholders: ``{kind_zh}`` in the Chinese text pairs with ``{kind_en}`` in the English.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib.resources import files
from string import Formatter
from typing import Final

#: A table of texts: code -> (Chinese, English).
Texts = dict[str, tuple[str, str]]


class CatalogueError(ValueError):
    """A catalogue file that is not a valid table of bilingual texts (raised at import: a packaging bug)."""


@cache
def catalogue(package: str, resource: str, *, english_only: frozenset[str] = frozenset()) -> dict[str, Texts]:
    """The sections of the catalogue ``resource`` beside ``package``'s modules, in file order.

    ``english_only`` names placeholders that the Chinese texts may leave out (e.g. a wire field name a
    Chinese reader does not need). Raises :class:`CatalogueError` for a file that is not valid TOML, a
    top-level value that is not a section, or an entry that :func:`check_entry` refuses.
    """
    where = f"{package.replace('.', '/')}/{resource}"
    try:
        data = tomllib.loads(files(package).joinpath(resource).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{where}: not valid TOML: {exc}") from exc
    return {name: _section(where, name, section, english_only) for name, section in data.items()}


def _section(where: str, name: str, section: object, english_only: frozenset[str]) -> Texts:
    if not isinstance(section, dict):
        raise CatalogueError(f'{where}: {name!r} is not a section ([{name}] with code = ["中文", "English"])')
    return {code: check_entry(f"{where} [{name}] {code!r}", entry, english_only) for code, entry in section.items()}


def check_entry(where: str, entry: object, english_only: frozenset[str] = frozenset()) -> tuple[str, str]:
    """``entry`` as a (Chinese, English) pair; raises :class:`CatalogueError` (starting with ``where``) unless it
    is exactly two non-empty strings naming the same placeholders, ``english_only`` aside."""
    if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(t, str) and t for t in entry)):
        raise CatalogueError(f'{where}: an entry is two non-empty texts ["中文", "English"], not {entry!r}')
    zh, en = entry
    names_zh = _placeholders(where, zh, "_zh") - english_only
    names_en = _placeholders(where, en, "_en") - english_only
    if names_zh != names_en:
        raise CatalogueError(
            f"{where}: the Chinese text names {_listed(names_zh)} but the English text {_listed(names_en)}"
        )
    return zh, en


def _placeholders(where: str, text: str, suffix: str) -> set[str]:
    """The placeholder names of ``text`` without their language ``suffix`` (``{value!r}`` names ``value``)."""
    try:
        fields = [field for _, field, _, _ in Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise CatalogueError(f"{where}: {text!r} is not a format string: {exc}") from exc
    names = {field.split(".")[0].split("[")[0] for field in fields}
    return {name.removesuffix(suffix) for name in names}


def _listed(names: set[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names)) or "no placeholder"


#: Between the two halves of a one-line "中文 / English" message: " / ", or "/ " right after a full-width
#: bracket or punctuation mark that ends the Chinese ("…（第 3 条）/ …"), as many messages are written.
_HALVES: Final = re.compile(r" / |(?<=[\u3000-\u303f\uff00-\uffef])/ ")


def split_bilingual(message: str) -> tuple[str, str] | None:
    """The Chinese and English halves of ``message``, or ``None`` when it has no separator."""
    match = _HALVES.search(message)
    if match is None:
        return None
    return message[: match.start()], message[match.end() :]

"""The message catalogue loader: a file that is not a table of bilingual texts is refused with file, section
and code; a good one is read as the (Chinese, English) pairs the code uses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from registry.i18n import CatalogueError, catalogue, check_entry, split_bilingual
from registry.rules.messages import MESSAGES
from verify.answers import CHANGE_LABELS, REASON_TEXTS, RESULT_LABELS, Result
from verify.verifier import REASONS


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """An importable package of its own (a fresh name per test: imports and the loader's cache keep theirs)."""
    name = f"catalogue_{tmp_path.name.lower()}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name, folder


def test_a_catalogue_is_read_as_sections_of_pairs_in_file_order(package: tuple[str, Path]) -> None:
    name, folder = package
    (folder / "texts.toml").write_text(
        '# a comment\n[first]\n"a.b" = ["甲{x}", "A {x!r}"]\nkind = ["{kind_zh}证书", "a {kind_en}"]\n'
        '[second]\nok = ["好", "good"]\n',
        encoding="utf-8",
    )
    assert catalogue(name, "texts.toml") == {
        "first": {"a.b": ("甲{x}", "A {x!r}"), "kind": ("{kind_zh}证书", "a {kind_en}")},
        "second": {"ok": ("好", "good")},
    }
    assert list(catalogue(name, "texts.toml")["first"]) == ["a.b", "kind"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('ok = ["好", "good"]\n', "'ok' is not a section"),
        ("[s]\nok = [\n", "not valid TOML"),
        ('[s]\n"a.b" = ["好"]\n', "[s] 'a.b': an entry is two non-empty texts"),
        ('[s]\n"a.b" = ["好", "good", "bon"]\n', "[s] 'a.b': an entry is two non-empty texts"),
        ('[s]\n"a.b" = ["", "good"]\n', "[s] 'a.b': an entry is two non-empty texts"),
        ('[s]\n"a.b" = ["好", 1]\n', "[s] 'a.b': an entry is two non-empty texts"),
        ('[s]\n"a.b" = "好 / good"\n', "[s] 'a.b': an entry is two non-empty texts"),
        (
            '[s]\n"a.b" = ["好{x}", "good {y}"]\n',
            "[s] 'a.b': the Chinese text names {x} but the English text {y}",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_file_section_and_code(package: tuple[str, Path], text: str, message: str) -> None:
    name, folder = package
    (folder / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue(name, "bad.toml")
    assert str(caught.value).startswith(f"{name}/bad.toml")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (["{kind_zh}证书", "a {kind_zh}"], "the Chinese text names {kind} but the English text {kind_zh}"),
        (["{kind_en}证书", "a {kind_en}"], "the Chinese text names {kind_en} but the English text {kind}"),
        (["第{n}行", "row"], "the Chinese text names {n} but the English text no placeholder"),
        (["{", "{x}"], "is not a format string"),
    ],
)
def test_placeholders_must_match_across_the_languages(entry: list[str], message: str) -> None:
    with pytest.raises(CatalogueError, match=r"^here: ") as caught:
        check_entry("here", entry)
    assert message in str(caught.value)


def test_only_the_placeholders_declared_english_only_may_be_missing_in_chinese() -> None:
    entry = ["“{column}”不能为空", "{column} ({field}) is required"]
    assert check_entry("here", entry, frozenset({"field"})) == tuple(entry)
    with pytest.raises(CatalogueError) as caught:
        check_entry("here", entry)
    assert "names {column} but the English text {column}, {field}" in str(caught.value)


def test_the_shipped_catalogues_give_every_table_its_codes() -> None:
    sections = catalogue("registry.rules", "messages.toml").values()
    assert len(MESSAGES) == sum(len(section) for section in sections), "a code in two sections"
    assert set(RESULT_LABELS) == set(Result)
    assert set(REASON_TEXTS) > set(REASONS)
    assert set(CHANGE_LABELS) == {"reissued", "replaced"}


@pytest.mark.parametrize(
    ("message", "halves"),
    [
        ("文件为空 / the file is empty", ("文件为空", "the file is empty")),
        (
            "XLSX 过大（上限 100 MB）/ the XLSX is too large (past 100 MB)",
            ("XLSX 过大（上限 100 MB）", "the XLSX is too large (past 100 MB)"),
        ),
        ("编号长度（应为16/20/22位）", None),  # a slash inside a text is not the separator
        (
            "职业资格证书和/或职业技能等级证书 / qualification and/or skill level",
            ("职业资格证书和/或职业技能等级证书", "qualification and/or skill level"),
        ),
        ("no Chinese at all", None),
    ],
)
def test_a_one_line_message_splits_into_its_chinese_and_english(message: str, halves: tuple[str, str] | None) -> None:
    assert split_bilingual(message) == halves

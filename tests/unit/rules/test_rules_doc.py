"""``docs/rules.md`` explains every rule of the domain digest (what the registry does, or why nothing) and
every rule number the code reports: a row problem's rule can always be looked up."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
DIGEST = ("1", "1a", "2", "2a", "2b", "3", "4", "5", "5a", "5b", "5c", "6", "7", "8", "9", "10", "11", "12", "13")


def explained(rule: str) -> bool:
    heading = re.search(rf"^### Rules? (?:[0-9a-z]+ and )?{rule}\b", DOC, re.MULTILINE)
    return heading is not None or f"**{rule}** —" in DOC


def test_every_rule_of_the_digest_is_explained() -> None:
    assert [rule for rule in DIGEST if not explained(rule)] == []
    assert explained("14")
    assert explained("15")


def test_every_rule_the_code_reports_is_explained() -> None:
    reported = {
        match
        for package in ("registry", "issuer")
        for path in (ROOT / package).rglob("*.py")
        for match in re.findall(r'rule="([0-9a-z]+)"', path.read_text(encoding="utf-8"))
    }
    assert reported >= {"1", "2", "3", "4", "5", "5a", "6"}
    assert sorted(rule for rule in reported if not explained(rule)) == []


def test_each_rule_cites_its_source_document() -> None:
    sources = (
        "湘人社发〔2018〕13号",
        "川人社函〔2017〕297号",
        "湘人社函〔2020〕47号",
        "湘人社规〔2021〕14号",
        "川 2021 征求意见稿",
    )
    assert all(source in DOC for source in sources)

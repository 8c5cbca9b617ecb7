"""The shipped GB/T 2260 region files: well formed, complete trees, and consistent with the profiles."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import registry
from registry.rules.profiles import PROFILES
from registry.rules.regions import is_region_code, parent_of

DATA = Path(registry.__file__).parent / "data"


def read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_region_file_is_a_well_formed_tree(profile: str) -> None:
    rows = read(PROFILES[profile].regions_file)
    codes = [row["code"] for row in rows]
    assert list(rows[0]) == ["code", "name", "parent_code"]
    assert len(codes) == len(set(codes)), "codes are unique"
    assert all(is_region_code(code) for code in codes)
    assert all(code[:2] == PROFILES[profile].province_region[:2] for code in codes)
    assert all(row["name"].strip() == row["name"] and row["name"] for row in rows)
    known = set(codes)
    for row in rows:
        parent = row["parent_code"] or None
        assert parent == parent_of(row["code"])
        assert parent is None or parent in known, f"{row['code']} has no parent {parent}"
    roots = [row for row in rows if not row["parent_code"]]
    assert [root["code"] for root in roots] == [PROFILES[profile].province_region]


@pytest.mark.parametrize(
    ("name", "cities", "counties"),
    [("regions_hunan.csv", 14, 122), ("regions_sichuan.csv", 21, 183)],
)
def test_region_counts_match_the_2021_list(name: str, cities: int, counties: int) -> None:
    rows = read(name)
    levels = [
        ("province" if r["code"].endswith("0000") else "city" if r["code"].endswith("00") else "county") for r in rows
    ]
    assert levels.count("province") == 1
    assert levels.count("city") == cities
    assert levels.count("county") == counties


def test_known_rows() -> None:
    hunan = {row["code"]: row for row in read("regions_hunan.csv")}
    sichuan = {row["code"]: row for row in read("regions_sichuan.csv")}
    assert hunan["430100"]["name"] == "长沙市"
    assert hunan["433101"]["parent_code"] == "433100"
    assert sichuan["510100"]["name"] == "成都市"
    assert sichuan["513402"]["name"] == "会理市"


def test_parent_of_province_directed_counties() -> None:
    assert parent_of("429004") == "420000"
    assert parent_of("430000") is None

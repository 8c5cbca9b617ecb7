"""certreg verify-token, driven through the real command group with click's CliRunner."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from issuer.cli import main
from keys.keyset import KeySet
from registry.qrtoken import token_url
from registry.statement import days_since_epoch
from tests.unit.statement.world import INFO, KEYSET, token, typical


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_bytes(KEYSET.to_json())
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["verify-token", *args])
    return result.exit_code, result.output


def test_valid_token_prints_the_certificate_and_exits_0(keys_file: Path) -> None:
    code, output = run(token(), "--keys", str(keys_file))
    assert code == 0
    for expected in (
        "S000043000123253000011",
        "张三丰",
        "430102********1234",
        "职业技能等级证书",
        "2025-06-30",
    ):
        assert expected in output
    assert "签名有效 / SIGNATURE VALID" in output
    assert "只证明签名" in output
    assert "四级/中级工 / Level 4 / Intermediate worker" in output


def test_a_full_url_is_accepted(keys_file: Path) -> None:
    assert run(token_url("https://zs.example.cn", token()), "--keys", str(keys_file))[0] == 0
    assert run("https://zs.example.cn/q/" + token(), "--keys", str(keys_file))[0] == 0


def test_a_short_mode_url_is_named_not_called_malformed(keys_file: Path) -> None:
    code, output = run("https://zs.example.cn/c/S000043000123253000011", "--keys", str(keys_file))
    assert code == 1
    assert "short_mode" in output
    assert "malformed" not in output


def test_special_ability_shows_a_project(keys_file: Path) -> None:
    code, output = run(token(typical(kind=3, level=0)), "--keys", str(keys_file))
    assert code == 0
    assert "项目 / Project" in output


def test_invalid_token_exits_1_and_says_why(keys_file: Path) -> None:
    stale = token(typical(issued_on=days_since_epoch(date(2023, 6, 1))))
    code, output = run(stale, "--keys", str(keys_file))
    assert code == 1
    assert "UNVERIFIED" in output
    assert "key_not_valid_at_date" in output
    assert run("garbage", "--keys", str(keys_file))[0] == 1


def test_json_output(keys_file: Path) -> None:
    code, output = run(token(), "--keys", str(keys_file), "--json")
    assert code == 0
    assert msgspec.json.decode(output)["reason"] == "ok"


@pytest.mark.parametrize("content", [None, b"{not json", b'{"keys": [{"kid": "x"}]}'])
def test_unusable_key_file_exits_2(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "keys.json"
    if content is not None:
        path.write_bytes(content)
    code, output = run(token(), "--keys", str(path))
    assert code == 2
    assert "错误 / error" in output


def test_keys_option_is_required() -> None:
    assert run(token())[0] == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[1,2]", "密钥集格式错误 / the key set breaks the format: Expected `object`, got `array`"),
        (b'{"keys": [{"kid": 5}]}', "the key set breaks the format"),
        (b"{not json", "密钥集不是有效的 JSON / the key set is not valid JSON"),
    ],
)
def test_key_set_of_the_wrong_shape_is_not_called_invalid_json(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "keys.json"
    path.write_bytes(content)
    code, output = run(token(), "--keys", str(path))
    assert code == 2
    assert message in output
    assert str(path) in output


def test_a_statement_of_one_authority_signed_by_another_authoritys_key_is_not_valid(tmp_path: Path) -> None:
    """430200's genuine key signs a statement claiming 430000: refused with its own reason (issue 10, item 2)."""
    city = msgspec.structs.replace(INFO, authority="430200")
    path = tmp_path / "keys.json"
    path.write_bytes(KeySet(keys=(city,)).to_json())
    code, output = run(token(typical(authority_code="430000")), "--keys", str(path))
    assert code == 1
    assert "无效 / NOT VALID" in output
    assert "(wrong_authority)" in output
    assert "签发密钥不属于证书所载的发证机构" in output
    code, output = run(token(typical(authority_code="430200")), "--keys", str(path))
    assert code == 0, output

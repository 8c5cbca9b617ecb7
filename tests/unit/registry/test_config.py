"""Settings: every CERTREG_* variable is read, and a bad one stops start-up naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.config import SettingsError, load_settings


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings({})
    assert settings.database.database_url.startswith("sqlite+aiosqlite://")
    assert settings.redis.redis_url is None
    assert settings.issuing.profile == "hunan"
    assert settings.issuing.max_rows == 100_000


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CERTREG_MAX_ROWS", "many", "CERTREG_MAX_ROWS"),
        ("CERTREG_MAX_ROWS", "0", "CERTREG_MAX_ROWS"),
        ("CERTREG_DATABASE_URL", "mysql://x/y", "CERTREG_DATABASE_URL"),
        ("CERTREG_REDIS_URL", "localhost:6379", "CERTREG_REDIS_URL"),
        ("CERTREG_PUBLIC_URL", "http://x/", "CERTREG_PUBLIC_URL"),
        ("CERTREG_PROFILE", "guangdong", "CERTREG_PROFILE"),
        ("CERTREG_ID_HASH_KEY", "short", "CERTREG_ID_HASH_KEY"),
        ("CERTREG_LOG_LEVEL", "LOUD", "CERTREG_LOG_LEVEL"),
        ("CERTREG_DATABSE_URL", "sqlite+aiosqlite:///x", "unknown setting CERTREG_DATABSE_URL"),
        # empty and non-finite values are refused, not read as unset or as a never-ending timeout
        ("CERTREG_KEY_DIR", "", "CERTREG_KEY_DIR: expected a non-empty value, got ''"),
        ("CERTREG_KEY_DIR", "  ", "CERTREG_KEY_DIR: expected a non-empty value"),
        ("CERTREG_REDIS_PREFIX", "", "CERTREG_REDIS_PREFIX: expected a non-empty value"),
        ("CERTREG_REDIS_TIMEOUT_SECONDS", "inf", "CERTREG_REDIS_TIMEOUT_SECONDS: expected a finite number, got 'inf'"),
        ("CERTREG_DB_TIMEOUT_SECONDS", "Infinity", "CERTREG_DB_TIMEOUT_SECONDS: expected a finite number"),
        ("CERTREG_CHANGE_POLL_SECONDS", "nan", "CERTREG_CHANGE_POLL_SECONDS='nan'"),
        # a type error names the value given and what was expected
        ("CERTREG_MAX_ROWS", "many", "CERTREG_MAX_ROWS='many': Expected `int`, got `str`"),
        ("CERTREG_LOCAL_CACHE", "maybe", "CERTREG_LOCAL_CACHE='maybe': Expected `bool`"),
        ("CERTREG_WORKERS", "0", "CERTREG_WORKERS='0': Expected `int` >= 1"),
        # absurd durations are refused at start-up: they overflowed timedelta where used (console pages 500)
        ("CERTREG_CONSOLE_LOCKOUT_MINUTES", "99999999999999", "CERTREG_CONSOLE_LOCKOUT_MINUTES='99999999999999'"),
        ("CERTREG_CONSOLE_SESSION_HOURS", "8785", "CERTREG_CONSOLE_SESSION_HOURS='8785': Expected `int` <= 8784"),
        ("CERTREG_CONSOLE_IDLE_MINUTES", "527041", "CERTREG_CONSOLE_IDLE_MINUTES='527041': Expected `int` <= 527040"),
        ("CERTREG_NOTICE_DAYS", "99999999999", "CERTREG_NOTICE_DAYS='99999999999'"),
        ("CERTREG_REDIS_TTL_SECONDS", "999999999999999", "CERTREG_REDIS_TTL_SECONDS='999999999999999'"),
        ("CERTREG_RETRY_AFTER_SECONDS", "99999999999999999999", "CERTREG_RETRY_AFTER_SECONDS"),
        ("CERTREG_CHECKPOINT_INTERVAL_SECONDS", "31622401", "Expected `int` <= 31622400"),
        ("CERTREG_WORKERS", "1000", "CERTREG_WORKERS='1000': Expected `int` <= 64"),
        ("CERTREG_PUBLIC_RATE_PER_MINUTE", "99999999999999999999999", "CERTREG_PUBLIC_RATE_PER_MINUTE="),
        ("CERTREG_API_RATE_PER_MINUTE", "1000000001", "Expected `int` <= 1000000000"),
        # the Chinese half names the variable too (it said only 配置错误)
        ("CERTREG_WORKERS", "abc", "配置错误：CERTREG_WORKERS 取值无效 / bad setting CERTREG_WORKERS='abc'"),
        ("CERTREG_PROFILE", "guangdong", "配置错误：CERTREG_PROFILE 取值无效 / bad setting CERTREG_PROFILE"),
        ("CERTREG_DATABSE_URL", "x", "配置错误：没有设置项 CERTREG_DATABSE_URL（是否为 CERTREG_DATABASE_URL？）"),
    ],
)
def test_a_bad_value_is_refused_by_its_variable_s_name(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({name: value})
    assert expected in str(info.value)


def test_empty_optional_variable_means_unset() -> None:
    assert load_settings({"CERTREG_REDIS_URL": ""}).redis.redis_url is None


def test_secrets_never_appear_in_repr() -> None:
    settings = load_settings({"CERTREG_KEY_PASSPHRASE": "hunter2-hunter2", "CERTREG_ID_HASH_KEY": "x" * 20})
    assert "hunter2" not in repr(settings)
    assert "x" * 20 not in str(settings)
    assert settings.keys.passphrase() == b"hunter2-hunter2"


def test_passphrase_from_file_and_missing(tmp_path: Path) -> None:
    secret = tmp_path / "pass"
    secret.write_text("from-a-file\n")
    assert load_settings({"CERTREG_KEY_PASSPHRASE_FILE": str(secret)}).keys.passphrase() == b"from-a-file"
    with pytest.raises(SettingsError, match="CERTREG_KEY_PASSPHRASE_FILE"):
        load_settings({"CERTREG_KEY_PASSPHRASE_FILE": str(tmp_path / "missing")}).keys.passphrase()
    with pytest.raises(SettingsError, match="CERTREG_KEY_PASSPHRASE"):
        load_settings({}).keys.passphrase()


def test_toml_file_is_overridden_by_environment(tmp_path: Path) -> None:
    config = tmp_path / "certreg.toml"
    config.write_text('[certreg]\nmax_rows = 10\nprofile = "sichuan"\n')
    settings = load_settings({"CERTREG_CONFIG": str(config), "CERTREG_MAX_ROWS": "20"})
    assert (settings.issuing.max_rows, settings.issuing.profile) == (20, "sichuan")
    config.write_text("max_rows = = 1")
    with pytest.raises(SettingsError, match="CERTREG_CONFIG"):
        load_settings({"CERTREG_CONFIG": str(config)})


def test_an_unknown_key_in_the_toml_file_is_refused_by_name(tmp_path: Path) -> None:
    config = tmp_path / "certreg.toml"
    config.write_text('[certreg]\nmax_rows = 10\ndatabse_url = "sqlite+aiosqlite:///x.db"\n')
    with pytest.raises(SettingsError) as info:
        load_settings({"CERTREG_CONFIG": str(config)})
    assert f"unknown setting(s) in {config}: databse_url" in str(info.value)
    assert "未知的设置" in str(info.value)


@pytest.mark.parametrize("days", ["0", "6"])
def test_a_notice_below_the_profile_minimum_is_refused_outside_the_demo_mode(days: str) -> None:
    """Rule 8 (issue 10 item 14, issue 11): CERTREG_NOTICE_DAYS=0 was accepted silently; now only the demo
    mode may shorten the notice below the profile's 7 days."""
    with pytest.raises(SettingsError) as caught:
        load_settings({"CERTREG_NOTICE_DAYS": days})
    message = str(caught.value)
    assert "CERTREG_NOTICE_DAYS" in message
    assert "公示期不得短于本省规定的 7 天" in message
    assert "at least the profile's 7 days (rule 8)" in message
    assert "CERTREG_DEMO_MODE=1" in message
    demo = load_settings({"CERTREG_NOTICE_DAYS": days, "CERTREG_DEMO_MODE": "1"})
    assert (demo.issuing.notice_days, demo.issuing.demo_mode) == (int(days), True)
    assert load_settings({"CERTREG_NOTICE_DAYS": "7"}).issuing.notice_days == 7


def test_the_settings_repr_hides_the_database_and_redis_passwords() -> None:
    settings = load_settings(
        {
            "CERTREG_DATABASE_URL": "postgresql+asyncpg://app:pw-hunter2@db/certreg",
            "CERTREG_REDIS_URL": "redis+sentinel://u:pw-hunter2@s1:26379/m?sentinel_password=pw-hunter2",
        }
    )
    assert "pw-hunter2" not in repr(settings)
    assert "postgresql+asyncpg://app:***@db/certreg" in repr(settings)
    assert settings.database.database_url.endswith(":pw-hunter2@db/certreg")  # the value itself is untouched

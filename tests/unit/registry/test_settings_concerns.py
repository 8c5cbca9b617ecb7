"""Settings per concern (issue 11): a component is built from its concern alone, while the environment, the TOML
file and the messages stay the flat ``CERTREG_*`` names operators know (docs/operations.md)."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from registry.config import (
    CacheSettings,
    ConsoleSettings,
    DatabaseSettings,
    IssuingSettings,
    KeySettings,
    RateLimitSettings,
    RedisSettings,
    Settings,
    SettingsError,
    load_settings,
)
from verify.runtime import response_cache


def test_the_verify_cache_is_built_from_the_cache_settings_alone() -> None:
    cache = response_cache(CacheSettings(cache_max_entries=3, cache_max_bytes=4096), with_redis=False)
    assert (cache.max_entries, cache.max_bytes, cache.active) == (3, 4096, True)
    assert not response_cache(CacheSettings(), with_redis=True).active  # on once the subscriber listens
    assert not response_cache(CacheSettings(local_cache=False), with_redis=False).active


def test_each_flat_variable_lands_in_its_concern() -> None:
    """Each value is converted to its field's type in its concern; variables not named CERTREG_* are ignored."""
    settings = load_settings(
        {
            "CERTREG_DATABASE_URL": "postgresql+asyncpg://u@db/certreg",
            "CERTREG_REDIS_URL": "redis://cache:6379/0",
            "CERTREG_REDIS_PREFIX": "t1",
            "CERTREG_CACHE_MAX_ENTRIES": "9",
            "CERTREG_PUBLIC_RATE_PER_MINUTE": "7",
            "CERTREG_KEY_KDF": "interactive",
            "CERTREG_MAX_ROWS": "12",
            "CERTREG_NOTICE_DAYS": "10",
            "CERTREG_PROFILE": "sichuan",
            "CERTREG_CONSOLE_IDLE_MINUTES": "5",
            "PATH": "/usr/bin",
        }
    )
    assert settings.database == DatabaseSettings(database_url="postgresql+asyncpg://u@db/certreg")
    assert settings.database.read_url == "postgresql+asyncpg://u@db/certreg"
    assert settings.redis == RedisSettings(redis_url="redis://cache:6379/0", redis_prefix="t1")
    assert settings.cache == CacheSettings(cache_max_entries=9)
    assert settings.rate_limits == RateLimitSettings(public_rate_per_minute=7)
    assert settings.keys == KeySettings(key_kdf="interactive")
    assert settings.issuing == IssuingSettings(max_rows=12, notice_days=10, profile="sichuan")
    assert settings.console == ConsoleSettings(console_idle_minutes=5)


def test_every_field_name_is_declared_by_one_concern_only() -> None:
    """The environment is flat, so two concerns declaring one name would make a variable ambiguous."""
    names = [name for concern in msgspec.structs.fields(Settings) for name in concern.type.__struct_fields__]
    assert len(names) == len(set(names)) > 40


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CERTREG_CACHE_MAX_ENTRIES": "lots"}, "bad setting CERTREG_CACHE_MAX_ENTRIES='lots': Expected `int`"),
        ({"CERTREG_REDIS_TIMEOUT_SECONDS": "inf"}, "CERTREG_REDIS_TIMEOUT_SECONDS"),
        ({"CERTREG_CACHE_MAX_ENTRIE": "5"}, "unknown setting CERTREG_CACHE_MAX_ENTRIE (did you mean"),
        ({"CERTREG_CACHE": "5"}, "unknown setting CERTREG_CACHE "),  # a concern is not a variable
        ({"CERTREG_NOTICE_DAYS": "3"}, "公示期不得短于本省规定的 7 天"),  # the cross-field check of rule 8
        ({"CERTREG_NOTICE_DAYS": "3", "CERTREG_PROFILE": "nowhere"}, "bad setting CERTREG_PROFILE"),
    ],
)
def test_a_bad_or_unknown_variable_still_gets_its_message(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)) as raised:
        load_settings(environ)
    assert "配置错误" in str(raised.value)


def test_an_unknown_variable_is_answered_with_the_variables_there_are() -> None:
    """It listed the TOML keys (``access_log, api_key_cache_seconds, …``) to someone who had set a variable,
    and left the near miss to be found in that list."""
    with pytest.raises(SettingsError) as raised:
        load_settings({"CERTREG_CACHE_MAX_ENTRIE": "5"})
    message = str(raised.value)
    assert "没有设置项 CERTREG_CACHE_MAX_ENTRIE（是否为 CERTREG_CACHE_MAX_ENTRIES？）" in message
    assert "unknown setting CERTREG_CACHE_MAX_ENTRIE (did you mean CERTREG_CACHE_MAX_ENTRIES?)" in message
    assert "known are CERTREG_ACCESS_LOG, CERTREG_API_KEY_CACHE_SECONDS," in message


def test_an_unknown_name_in_the_toml_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "certreg.toml"
    config.write_text("[certreg]\ncache_max_entries = 5\nmax_row = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"unknown setting\(s\) in .*: max_row;"):
        load_settings({"CERTREG_CONFIG": str(config)})
    config.write_text("[certreg]\ncache_max_entries = 5\n", encoding="utf-8")
    assert load_settings({"CERTREG_CONFIG": str(config)}).cache.cache_max_entries == 5


def test_replaced_takes_flat_names_and_checks_again() -> None:
    settings = load_settings({})
    assert settings.replaced(max_upload_bytes=1000).issuing.max_upload_bytes == 1000
    assert settings.replaced(max_upload_bytes=1000).cache == settings.cache
    with pytest.raises(SettingsError, match="unknown setting CERTREG_MAX_UPLOAD"):
        settings.replaced(max_upload=1000)
    with pytest.raises(SettingsError, match="CERTREG_NOTICE_DAYS"):
        settings.replaced(notice_days=0)


def test_no_concern_shows_a_secret() -> None:
    settings = load_settings(
        {"CERTREG_KEY_PASSPHRASE": "hunter2-hunter2", "CERTREG_DATABASE_URL": "postgresql+asyncpg://u:pw1@db/x"}
    )
    for shown in (repr(settings), str(settings.keys), repr(settings.database)):
        assert "hunter2" not in shown
        assert "pw1" not in shown

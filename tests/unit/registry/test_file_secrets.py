"""Secrets through ``CERTREG_<NAME>_FILE`` (Docker and Kubernetes secrets): read, trailing newline dropped,
and every failure names the variable and never the secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.config import SettingsError, load_settings, redact_url

URL = "postgresql+asyncpg://certreg_issuer:s3cr3t-pw@db:5432/certreg"


def test_secrets_are_read_from_files(tmp_path: Path) -> None:
    (tmp_path / "url").write_text(URL + "\n")
    (tmp_path / "hash").write_text("0123456789abcdef-hash-key\r\n")
    (tmp_path / "redis").write_text("redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/certreg/0")
    settings = load_settings(
        {
            "CERTREG_DATABASE_URL_FILE": str(tmp_path / "url"),
            "CERTREG_ID_HASH_KEY_FILE": str(tmp_path / "hash"),
            "CERTREG_REDIS_URL_FILE": str(tmp_path / "redis"),
        }
    )
    assert settings.database.database_url == URL
    assert settings.keys.id_hash_key == "0123456789abcdef-hash-key"
    assert settings.redis.redis_url is not None
    assert settings.redis.redis_url.startswith("redis+sentinel://")


def test_an_unreadable_secret_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="CERTREG_DATABASE_URL_FILE") as caught:
        load_settings({"CERTREG_DATABASE_URL_FILE": str(tmp_path / "missing")})
    assert "No such file" in str(caught.value)


def test_a_value_and_its_file_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "url").write_text(URL)
    with pytest.raises(SettingsError, match="not both") as caught:
        load_settings({"CERTREG_DATABASE_URL": URL, "CERTREG_DATABASE_URL_FILE": str(tmp_path / "url")})
    assert "s3cr3t" not in str(caught.value)


def test_only_secrets_come_from_files(tmp_path: Path) -> None:
    (tmp_path / "profile").write_text("sichuan")
    with pytest.raises(SettingsError, match="unknown setting CERTREG_PROFILE_FILE"):
        load_settings({"CERTREG_PROFILE_FILE": str(tmp_path / "profile")})


def test_the_existing_passphrase_file_setting_is_unchanged(tmp_path: Path) -> None:
    (tmp_path / "pass").write_text("correct horse\n")
    settings = load_settings({"CERTREG_KEY_PASSPHRASE_FILE": str(tmp_path / "pass")})
    assert settings.keys.passphrase() == b"correct horse"


@pytest.mark.parametrize(
    "url", ["redis+sentinel://10.0.0.1/certreg", "redis+sentinel://10.0.0.1:26379", "redis+sentinel://h:1/a/b/c"]
)
def test_a_bad_sentinel_url_stops_start_up(url: str) -> None:
    with pytest.raises(SettingsError, match="CERTREG_REDIS_URL"):
        load_settings({"CERTREG_REDIS_URL": url})


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("CERTREG_DATABASE_URL", "mysql://certreg:s3cr3t-pw@db/certreg"),
        ("CERTREG_DATABASE_URL", "postgresql+asyncpg://certreg:s3cr3t-pw@db:notaport/certreg"),
        ("CERTREG_REPLICA_URL", "postgresql+asyncpg://certreg:s3cr3t@pw@db:99999/certreg"),
        ("CERTREG_REDIS_URL", "memcached://:s3cr3t-pw@cache:6379/0"),
        ("CERTREG_REDIS_URL", "redis://default:s3cr3t-pw@cache:63x9/0"),
        ("CERTREG_REDIS_URL", "redis+sentinel://:s3cr3t-pw@s1:26379,s2/certreg"),
        ("CERTREG_REDIS_URL", "redis+cluster://u:s3cr3t-pw@n1:7000,n2:port"),
        ("CERTREG_REDIS_URL", "redis+cluster://u:s3cr3t-pw@n1:7000/3"),
        ("CERTREG_DATABASE_URL", "mysql://app:pw-hunter2@db/certreg"),
        ("CERTREG_REPLICA_URL", "postgres://app:pw-hunter2@replica/certreg"),
        ("CERTREG_REDIS_URL", "http://:pw-hunter2@cache:6379/0"),
        ("CERTREG_REDIS_URL", "redis+sentinel://u:pw-hunter2@s1:x/mymaster"),
        ("CERTREG_REDIS_URL", "redis+sentinel://s1/mymaster?sentinel_password=pw-hunter2"),
    ],
)
def test_a_bad_url_with_a_password_is_refused_without_the_password(variable: str, url: str) -> None:
    """The refusal names the variable, never the password."""
    with pytest.raises(SettingsError, match=variable) as caught:
        load_settings({variable: url})
    assert "s3cr3t" not in str(caught.value)
    assert "pw-hunter2" not in str(caught.value)


def test_settings_show_their_urls_without_passwords(tmp_path: Path) -> None:
    (tmp_path / "url").write_text(URL)
    settings = load_settings(
        {
            "CERTREG_DATABASE_URL_FILE": str(tmp_path / "url"),
            "CERTREG_REDIS_URL": "redis+sentinel://:s3cr3t-redis@s1:26379/certreg?sentinel_password=s3cr3t-sent",
        }
    )
    shown = repr(settings)
    assert "s3cr3t" not in shown
    assert "postgresql+asyncpg://certreg_issuer:***@db:5432/certreg" in shown
    assert "sentinel_password=***" in shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+asyncpg://u:pw@db/x", "postgresql+asyncpg://u:***@db/x"),
        ("postgresql+asyncpg://u@db/x", "postgresql+asyncpg://u@db/x"),
        ("redis://:pw@c:6379/0", "redis://:***@c:6379/0"),
        ("redis://c:6379/0?password=pw&db=1", "redis://c:6379/0?password=***&db=1"),
        ("redis+cluster://u:p@w@n1:1,n2:2", "redis+cluster://u:***@n1:1,n2:2"),
        ("sqlite+aiosqlite:///./var/x.db", "sqlite+aiosqlite:///./var/x.db"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown

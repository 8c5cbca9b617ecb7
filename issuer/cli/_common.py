"""What every command shares: settings from the environment, the key store, the database, async execution.

The key passphrase comes from ``CERTREG_KEY_PASSPHRASE`` or ``CERTREG_KEY_PASSPHRASE_FILE``; when neither is
set and a person sits at the terminal, it is asked for (hidden), so an operator need not leave it in the
environment or shell history. Without a terminal (cron, CI) a missing passphrase is an error, never a hang.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, Final, TypeVar

import click
import msgspec
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from issuer.cli.pipe import reader_gone
from issuer.keystore import KeyStore, keystore_from_settings
from registry.config import Settings, SettingsError, load_settings
from registry.db import Database
from registry.rules.errors import RuleError
from registry.rules.formats import parse_iso_date
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import get_profile
from registry.schema import check_schema

T = TypeVar("T")


class _Console(Console):
    """rich's console, ending the command as :func:`reader_gone` when its reader closed the pipe."""

    def on_broken_pipe(self) -> None:
        reader_gone()


#: Plain text: what the consoles print holds what people typed (file names, reasons, operators' names in
#: actors), and rich's markup and emoji codes made ``[/b]`` a traceback and ``cli:ok:…`` ``cli🆗…``.
console = _Console(highlight=False, markup=False, emoji=False)
err_console = _Console(stderr=True, highlight=False, markup=False, emoji=False)


def settings_from_env() -> Settings:
    return load_settings()


def province(settings: Settings) -> ProvinceProfile:
    """The province profile of ``settings``, resolved once at the start of a command (the only place in the
    CLI that looks it up): the command passes it to the services it calls, as the app's runtime does."""
    return get_profile(settings.issuing.profile)


def stdin_is_terminal() -> bool:
    """Whether a person can be asked for input (a seam for tests: CliRunner's stdin is never a terminal)."""
    return sys.stdin.isatty()


def key_passphrase(settings: Settings, *, confirm: bool = False) -> bytes:
    """The key passphrase from the settings, or typed at the terminal (twice when ``confirm``, for a new key).

    Raises :class:`SettingsError` when none is set and stdin is not a terminal.
    """
    if settings.keys.key_passphrase or settings.keys.key_passphrase_file:
        return settings.keys.passphrase()
    if not stdin_is_terminal():
        raise SettingsError(
            "缺少密钥口令 / no key passphrase: set CERTREG_KEY_PASSPHRASE or CERTREG_KEY_PASSPHRASE_FILE, "
            "or run the command in a terminal to type it"
        )
    typed: str = click.prompt(
        "密钥口令 / key passphrase",
        hide_input=True,
        confirmation_prompt="再次输入口令 / repeat the passphrase" if confirm else False,
        err=True,
    )
    return typed.encode()


def with_passphrase(settings: Settings) -> Settings:
    """The settings with the key passphrase filled in (typed at the terminal when the environment has none):
    importing rows seals holders' document numbers, which opens the identity KEK (docs/identity.md)."""
    if settings.keys.key_passphrase or settings.keys.key_passphrase_file:
        return settings
    return settings.replaced(key_passphrase=key_passphrase(settings).decode())


def keystore(settings: Settings, *, sealing: bool = False) -> KeyStore:
    """The key store of the settings, with the passphrase from :func:`key_passphrase`.

    ``sealing``: the command will seal a new key, so a typed passphrase is asked twice, and the
    ``insecure-test-only`` KDF level (allowed: the test suite needs it) is never used silently.
    """
    if sealing and settings.keys.key_kdf == "insecure-test-only":
        click.secho(
            "警告 / WARNING: CERTREG_KEY_KDF=insecure-test-only seals keys with the weakest Argon2id "
            "parameters; 仅供测试 / never use it for real keys (use moderate or sensitive)",
            err=True,
            fg="red",
            bold=True,
        )
    return keystore_from_settings(settings, passphrase=key_passphrase(settings, confirm=sealing))


def run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    """Run an async command body to completion."""

    async def _main() -> T:
        return await coroutine_factory()

    return asyncio.run(_main())


@asynccontextmanager
async def open_database(settings: Settings, *, check: bool = True) -> AsyncIterator[Database]:
    """The registry database; refuses an outdated schema unless ``check`` is False (``db upgrade``)."""
    database = Database(settings.database.database_url)
    try:
        if check:
            await check_schema(database.write_engine)
        yield database
    finally:
        await database.dispose()


def in_session(settings: Settings, body: Callable[[AsyncSession], Awaitable[T]], *, write: bool = False) -> T:
    """``body(session)`` run to completion in one session of the registry database: a transaction committed
    when it returns (``write``), else a read-only session."""

    async def _main() -> T:
        async with (
            open_database(settings) as database,
            database.transaction() if write else database.reader() as session,
        ):
            return await body(session)

    return run(_main)


class IsoDate(click.ParamType[date]):
    """A calendar date typed as ``YYYY-MM-DD`` (the province's rule for dates, docs/rules.md "format"): the
    command gets a :class:`datetime.date`; anything else is a usage error with a zh + en message."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_iso_date(str(value), field=param.name if param and param.name else "date")
        except RuleError as exc:
            self.fail(f"{exc.violation.message_zh} / {exc.violation.message_en}", param, ctx)


ISO_DATE = IsoDate()

#: The largest row id a database column holds (a signed 64-bit integer on PostgreSQL and SQLite).
MAX_ROW_ID: Final = 2**63 - 1


class RowId(click.ParamType[int]):
    """The id of a stored row (batch, token, API key), from 1 to :data:`MAX_ROW_ID`: anything else is a usage
    error in both languages, never a driver's ``OverflowError`` traceback for a mistyped long number."""

    name = "ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not (text.isdigit() and 1 <= int(text) <= MAX_ROW_ID):
            self.fail(f"编号须为 1 到 {MAX_ROW_ID} 的整数 / an id from 1 to {MAX_ROW_ID}, not {value!r}", param, ctx)
        return int(text)


ROW_ID = RowId()

#: ``--json`` of every list command: one JSON object per line, dates and times in ISO 8601.
json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="以 JSON 输出，每行一个对象（日期为 ISO 8601）/ one JSON object per line (ISO dates).",
)

_json_lines: Final = msgspec.json.Encoder()


def echo_json_lines(items: Iterable[Any]) -> None:
    """Print each of ``items`` (msgspec Structs, dicts of builtins, dates) as one line of JSON."""
    for item in items:
        click.echo(_json_lines.encode(item).decode())

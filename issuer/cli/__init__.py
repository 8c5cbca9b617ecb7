"""The ``certreg`` command line.

Each module of this package contributes its commands through a module-level ``COMMANDS`` list, so that
work on one command group never touches another's file; :data:`issuer.cli.table.COMMAND_TABLE` names the
modules of each top-level command and its summary, so that ``certreg --help`` lists every command without
importing one and ``certreg <command> …`` imports only that command's modules (a new command is a row there
too; a test checks the table against the modules). Errors the packages raise on purpose become a one-line
message on stderr and exit code 2; nothing prints a traceback at an operator.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from issuer import __version__
from issuer.cli.pipe import reader_gone
from issuer.cli.table import COMMAND_TABLE
from issuer.cli.usage import BilingualContext, bilingual_usage_error


class _Group(click.Group):
    """Turns the packages' own errors into a clear message and exit code 2, click's English-only usage
    errors into bilingual ones (:mod:`issuer.cli.usage`) and a closed output pipe into :func:`reader_gone`."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise bilingual_usage_error(exc) from None
        except BrokenPipeError:  # ``--help`` or ``--version``, printed while the command line is parsed
            reader_gone()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            outcome = super().invoke(ctx)
            sys.stdout.flush()  # what is still buffered meets a closed pipe here, not at the interpreter's exit
        except click.UsageError as exc:
            raise bilingual_usage_error(exc) from None
        except BrokenPipeError:
            # before the database errors of _refuse, among which ConnectionError called it a database failure
            reader_gone()
        except click.Abort:  # a prompt (the key passphrase) ended with Ctrl-C or Ctrl-D: click said "Aborted!"
            click.echo("\n已取消 / cancelled", err=True)
            sys.exit(1)
        except Exception as exc:
            _refuse(exc)
            raise
        return outcome

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_TABLE)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command named ``cmd_name``, its modules imported on first use (:data:`COMMAND_TABLE`)."""
        if cmd_name in COMMAND_TABLE and cmd_name not in self.commands:
            self.add_command(_load(cmd_name))
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.NoSuchCommand as exc:
            # click suggests from the commands loaded so far ("Did you mean 'keys'?"): here, from them all
            raise click.NoSuchCommand(exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's own listing of the commands, of stand-ins that carry each one's summary: what it listed of
        the commands themselves (the same words, shortened to the same width), without importing them."""
        stand_ins = [click.Command(name, help=entry.summary) for name, entry in COMMAND_TABLE.items()]
        click.Group(commands=stand_ins).format_commands(ctx, formatter)


def _refuse(exc: Exception) -> None:
    """End the command with a one-line message on stderr and exit code 2 when ``exc`` is an error the packages
    raise on purpose, a database that cannot be used or a file the command could not use; return otherwise
    (the caller re-raises it).

    The error classes are imported here, once a command has failed, not when ``certreg`` starts: SQLAlchemy's
    alone took a fifth of a second of every ``certreg --version``, and a command that raised one of them has
    imported them already."""
    import socket

    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    from keys.errors import KeysError
    from registry.errors import RegistryError

    if isinstance(exc, RegistryError | KeysError):
        click.echo(f"错误 / error: {exc}", err=True)
        sys.exit(2)
    database_failures = (OperationalError, InterfaceError, DBAPIError, ConnectionError, TimeoutError, socket.gaierror)
    if isinstance(exc, database_failures):
        # asyncpg lets connection failures through as bare OSErrors (refused, unknown host, timeout)
        reason = getattr(exc, "orig", None) or exc
        click.echo(f"错误 / error: 数据库无法使用 / the database cannot be used: {reason}", err=True)
        sys.exit(2)
    if isinstance(exc, OSError):  # any other file the command touched; never call it a database problem
        where = f" {exc.filename}" if exc.filename else ""
        click.echo(f"错误 / error: 无法读写文件 / cannot use file{where}: {exc.strerror or exc}", err=True)
        sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message="certreg %(version)s", help="显示版本 / show the version.")
def main() -> None:
    """certreg — 职业技能证书登记与查验 / vocational certificate registry."""


HELP_TEXT = "显示此帮助并退出 / show this message and exit."


def bilingual_help(command: click.Command) -> None:
    """Give ``command`` and every subcommand a ``-h/--help`` option whose own help is in both languages
    (click's built-in one is English only) and help whose headings are too (:class:`BilingualContext`); a
    command whose ``help_option_names`` say otherwise (``keys compromised``: a KID may begin with "-" and
    hold an "h") gets those names only."""
    command.context_class = BilingualContext  # click's own words of the help in both languages too
    command.add_help_option = False
    names = command.context_settings.get("help_option_names", ["-h", "--help"])
    click.help_option(*names, help=HELP_TEXT)(command)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            bilingual_help(sub)


def _load(name: str) -> click.Command:
    """The top-level command ``name``: its modules imported, its help made bilingual (:func:`bilingual_help`)."""
    modules = [importlib.import_module(f"{__name__}.{module}") for module in COMMAND_TABLE[name].modules]
    commands: list[click.Command] = modules[0].COMMANDS
    command = next(command for command in commands if command.name == name)
    bilingual_help(command)
    return command


bilingual_help(main)

"""The ``certreg`` command line.

Each module of this package contributes its commands through a module-level ``COMMANDS`` list, so that
work on one command group never touches another's file. Errors the packages raise on purpose become a
one-line message on stderr and exit code 2; nothing prints a traceback at an operator.
"""

from __future__ import annotations

import importlib
import pkgutil
import socket
import sys
from typing import Any

import click
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from issuer.cli._common import reader_gone
from issuer.cli.usage import BilingualContext, bilingual_usage_error
from keys.errors import KeysError
from registry.errors import RegistryError


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
        except (RegistryError, KeysError) as exc:
            click.echo(f"错误 / error: {exc}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            # before the ConnectionError clause below, which called it a database failure
            reader_gone()
        except (OperationalError, InterfaceError, DBAPIError, ConnectionError, TimeoutError, socket.gaierror) as exc:
            # asyncpg lets connection failures through as bare OSErrors (refused, unknown host, timeout)
            reason = getattr(exc, "orig", None) or exc
            click.echo(f"错误 / error: 数据库无法使用 / the database cannot be used: {reason}", err=True)
            sys.exit(2)
        except OSError as exc:  # any other file the command touched; never call it a database problem
            where = f" {exc.filename}" if exc.filename else ""
            click.echo(f"错误 / error: 无法读写文件 / cannot use file{where}: {exc.strerror or exc}", err=True)
            sys.exit(2)
        return outcome


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="certreg", message="certreg %(version)s", help="显示版本 / show the version.")
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


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)
    bilingual_help(main)


_register()

"""``issuer.cli.table`` against the command modules it stands in for: ``certreg --help`` lists the commands from
the table without importing them, and runs a command by importing the modules the table names, so the table must
say what the modules say (every command, where each of its subcommands lives, its summary at every width)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import click

import issuer.cli
from issuer.cli import main
from issuer.cli.table import COMMAND_TABLE


def _real() -> dict[str, tuple[str, click.Command]]:
    """Command name -> (the module whose ``COMMANDS`` holds it, the command), from every module of issuer.cli."""
    found = {}
    for info in pkgutil.iter_modules(issuer.cli.__path__):
        module = importlib.import_module(f"issuer.cli.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            assert command.name not in found, command.name
            found[command.name] = (info.name, command)
    return found


def _modules(command: click.Command) -> Iterator[str]:
    """The modules that define ``command`` and its subcommands (the modules of their callbacks)."""
    if command.callback is not None:
        yield command.callback.__module__
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _modules(sub)


def test_the_table_names_every_command_and_the_module_that_holds_it() -> None:
    assert {name: entry.modules[0] for name, entry in COMMAND_TABLE.items()} == {
        name: module for name, (module, _) in _real().items()
    }


def test_the_table_names_the_module_of_every_subcommand() -> None:
    """``certificates pdf`` lives in ``documents``: without it in the table, ``certreg certificates pdf`` would be
    "No such command"."""
    for name, (_, command) in _real().items():
        named = {f"issuer.cli.{module}" for module in COMMAND_TABLE[name].modules}
        assert set(_modules(command)) <= named, name


def test_the_summaries_are_the_commands_own_at_every_width() -> None:
    real = _real()
    for name, (_, command) in real.items():
        stand_in = click.Command(name, help=COMMAND_TABLE[name].summary)
        assert stand_in.get_short_help_str(10_000) == command.get_short_help_str(10_000), name
        widths = range(500)
        assert [stand_in.get_short_help_str(w) for w in widths] == [command.get_short_help_str(w) for w in widths]


def test_help_lists_what_click_lists_of_the_commands_themselves() -> None:
    real = click.Group(commands=[command for _, command in _real().values()])
    ctx = click.Context(main)
    for width in (50, 80, 120, 300):
        ours, theirs = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
        main.format_commands(ctx, ours)
        real.format_commands(ctx, theirs)
        assert ours.getvalue() == theirs.getvalue()
        assert "verify-token" in ours.getvalue()

"""``certreg … --help`` on an 80-column terminal: lines are wrapped between words, never inside one.

Click wraps with ``break_long_words``: a word longer than the room left on the line was cut where the line
ended (``certreg staff require-totp --help`` printed ``{institution|city_reviewer|pr`` / ``ovince_reviewer|…}``).
Wrapping only moves line breaks, so the words of a help at 80 columns must be the words of the same help
unwrapped, one for one.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.formatting import wrap_text
from click.testing import CliRunner

from issuer.cli import main
from issuer.cli.usage import wrap_words


def _paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from _paths(sub, (*path, name))


PATHS = list(_paths(main))


COMMANDS = "\n命令 / Commands:\n"


def _help(path: tuple[str, ...], **settings: object) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="certreg", **settings)  # type: ignore[arg-type]
    assert result.exit_code == 0, (path, result.output)
    return result.output


def _summaries(listing: str) -> dict[str, list[str]]:
    """A group's command list: each command's words (click cuts a summary at a word and adds "...")."""
    return {words[0]: words[1:] for words in map(str.split, listing.splitlines()) if words}


def test_every_command_path_is_walked() -> None:
    assert ("staff", "require-totp") in PATHS
    assert len(PATHS) > 40


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "certreg")
def test_no_help_line_breaks_inside_a_word_at_80_columns(path: tuple[str, ...]) -> None:
    at_80, listed_80 = (*_help(path, env={"COLUMNS": "80"}).split(COMMANDS), "")[:2]
    unwrapped, listed = (*_help(path, terminal_width=100_000).split(COMMANDS), "")[:2]
    assert at_80.split() == unwrapped.split(), at_80
    for name, words in _summaries(listed_80).items():  # a summary shortened where a word ends, never inside one
        whole = _summaries(listed)[name]
        shown = [*words[:-1], words[-1].removesuffix("...")] if words and words[-1].endswith("...") else words
        assert shown == whole[: len(shown)], (name, words)
    usage = at_80.split("\n\n", 1)[0]
    assert all(len(line) <= 80 for line in usage.splitlines()), usage  # the usage fits the terminal too


@pytest.mark.parametrize(
    "text",
    [
        "one two three four five six seven eight nine ten eleven twelve",
        "first paragraph of several words here\n\nsecond one\nover two lines of words",
        "a paragraph\n\n\b\nkept   as\n  it is\n\nand after it words again and again",
        "  indented paragraph of a few words\n\nnot indented",
    ],
)
def test_words_are_wrapped_as_click_wraps_them_when_no_word_is_cut(text: str) -> None:
    """:func:`wrap_words` lays text out as click does wherever click cuts no word (paragraphs, ``\\b``, indents)."""
    for width in (16, 20, 40, 78):
        for paragraphs in (False, True):
            ours = wrap_words(text, width, "  ", "    ", paragraphs=paragraphs)
            assert ours == wrap_text(text, width, "  ", "    ", preserve_paragraphs=paragraphs), (width, paragraphs)

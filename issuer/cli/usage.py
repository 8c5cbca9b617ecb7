"""Click's own usage errors in Chinese and English.

Click words a mistyped command line in English only ("No such option '--jsn'.", "'x' is not one of …");
an operator of a province centre reads Chinese first (DEVELOPERS.md: every message in both languages). The
English stays click's own, unchanged, after the Chinese; a message that already holds Chinese (our own
parameter types say both) is left as it is.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from typing import IO, Any, Final

import click
from click.formatting import iter_rows, measure_table

_HAN: Final = re.compile(r"[\u4e00-\u9fff]")

#: What a parameter type said of a value ("Invalid value for X: <this>"), in Chinese.
_VALUE_PATTERNS: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]] = (
    (re.compile(r"^.+? is not one of (.+)\.$", re.S), lambda m: f"须为以下之一：{m.group(1)}"),
    (re.compile(r"^.+? is not a valid integer(?: range)?\.$"), lambda m: "须为整数"),
    (re.compile(r"^.+? is not a valid float(?: range)?\.$"), lambda m: "须为数字"),
    (re.compile(r"^.+? is not in the range (.+)\.$"), lambda m: f"须在 {m.group(1)} 范围内"),
    (re.compile(r"^\w+ (.+) does not exist\.$"), lambda m: f"{m.group(1)} 不存在"),
    (re.compile(r"^\w+ (.+) is a file\.$"), lambda m: f"{m.group(1)} 是文件，应为目录"),
    (re.compile(r"^\w+ (.+) is a directory\.$"), lambda m: f"{m.group(1)} 是目录，应为文件"),
    (re.compile(r"^\w+ (.+) is not readable\.$"), lambda m: f"{m.group(1)} 不可读"),
    (re.compile(r"^\w+ (.+) is not writable\.$"), lambda m: f"{m.group(1)} 不可写"),
)

#: The whole message of a usage error, in Chinese.
_PATTERNS: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]] = (
    (
        re.compile(r"^No such option:? '?([^'\s]+)'?\.?(?: \(?Did you mean(?: one of:)? (.+?)\?\)?)?$"),
        lambda m: f"没有选项 {m.group(1)}" + (f"，是否要用 {m.group(2)}？" if m.group(2) else ""),
    ),
    (re.compile(r"^No such command '(.+?)'\."), lambda m: f"没有命令 {m.group(1)}"),
    (re.compile(r"^Missing option '?(.+?)'?\.?$"), lambda m: f"缺少选项 {m.group(1)}"),
    (re.compile(r"^Missing (?:argument|parameter):? '?(.+?)'?\.?$"), lambda m: f"缺少参数 {m.group(1)}"),
    (re.compile(r"^Missing command\.$"), lambda m: "缺少命令"),
    (re.compile(r"^Option '(.+?)' requires (?:an argument|\d+ arguments)\.$"), lambda m: f"选项 {m.group(1)} 需要取值"),
    (re.compile(r"^Option '(.+?)' does not take a value\.$"), lambda m: f"选项 {m.group(1)} 不取值"),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$"), lambda m: f"多余的参数：{m.group(1)}"),
    (re.compile(r"^Invalid value for (.+?): (.*)$", re.S), lambda m: f"{m.group(1)} 取值无效：{_value_zh(m.group(2))}"),
)


def _value_zh(said: str) -> str:
    for pattern, chinese in _VALUE_PATTERNS:
        match = pattern.match(said)
        if match is not None:
            return chinese(match)
    return "请检查取值"


#: Click's words around a value our own check refused in both languages ("Invalid value for URL: 须为… / …").
_FRAMED: Final = re.compile(r"^Invalid value for (.+?): (.*)$", re.S)


def bilingual(message: str) -> str:
    """``message`` as ``"<zh> / <en>"`` (unchanged when it already holds Chinese, but for click's English frame
    around our own bilingual words, which gets its Chinese too)."""
    if _HAN.search(message):
        framed = _FRAMED.match(message)
        return f"{framed.group(1)} 取值无效 / {message}" if framed is not None else message
    for pattern, chinese in _PATTERNS:
        match = pattern.match(message)
        if match is not None:
            return f"{chinese(match)} / {message}"
    return f"命令行用法有误 / {message}"


def bilingual_usage_error(exc: click.UsageError) -> click.UsageError:
    """The same usage error (same context, same exit code 2) with its message in both languages."""
    return BilingualUsageError(bilingual(exc.format_message()), ctx=exc.ctx)


#: Click's own words in every help text, in both languages. Click marks them for gettext, but only through the
#: process-wide ``gettext`` domain: a catalogue there translates them into ONE language chosen by the
#: operator's locale (and for every library in the process), never "中文 / English" as the rest of our help.
#: Click's supported hooks for its help layout are the context's ``formatter_class`` and the usage error's
#: ``show``; these use them.
USAGE_PREFIX: Final = "用法 / Usage: "
_HEADINGS: Final = {
    "Options": "选项 / Options",
    "Commands": "命令 / Commands",
    "Positional arguments": "参数 / Arguments",
}
#: The bracket click adds after an option's help (``[default: statement; required]``), and its items.
_EXTRA: Final = re.compile(r"\[([^\[\]]+)\]$")
_EXTRA_ITEMS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"^required$"), "必填 / required"),
    (re.compile(r"^default: (.*)$", re.S), r"默认 \1 / default: \1"),
    (re.compile(r"^env var: (.*)$", re.S), r"环境变量 \1 / env var: \1"),
)


def _extra_zh(help_text: str) -> str:
    """An option's help with click's bracket in both languages (``[必填 / required]``)."""
    match = _EXTRA.search(help_text)
    if match is None:
        return help_text
    items = [_extra_item(item) for item in match.group(1).split("; ")]
    return f"{help_text[: match.start()]}[{'; '.join(items)}]"


def _extra_item(item: str) -> str:
    for pattern, both in _EXTRA_ITEMS:
        if pattern.match(item):
            return pattern.sub(both, item)
    return item  # a range (1<=x<=1000) reads the same in both


def wrap_words(
    text: str, width: int, initial_indent: str = "", subsequent_indent: str = "", *, paragraphs: bool = False
) -> str:
    """``click.formatting.wrap_text`` (same indents, same paragraphs: a blank line between two, a ``\\b`` line
    before one that is not rewrapped) that never cuts a word: click's wrapper cut a word longer than the room
    left at the line's end (``{institution|city_reviewer|pr`` / ``ovince_reviewer|…}``) and broke a line after
    any hyphen (``audit-`` / ``state.json``). A word longer than the whole line overflows it instead."""

    def wrapper(extra: str) -> textwrap.TextWrapper:
        return textwrap.TextWrapper(
            width, initial_indent=initial_indent + extra, subsequent_indent=subsequent_indent + extra,
            replace_whitespace=False, break_long_words=False, break_on_hyphens=False,
        )  # fmt: skip

    text = text.expandtabs()
    if not paragraphs:
        return wrapper("").fill(text)
    wrapped = []
    for block in re.split(r"\n(?:\n)+", text.strip("\n")):
        lines = block.splitlines()
        indent = " " * (len(lines[0]) - len(lines[0].lstrip()))
        if lines[0].strip() == "\b":
            raw = [
                (initial_indent if n == 0 else subsequent_indent) + indent + line for n, line in enumerate(lines[1:])
            ]
            wrapped.append("\n".join(raw))
        else:
            wrapped.append(
                wrapper(indent).fill(" ".join(line.strip() if n else line.lstrip() for n, line in enumerate(lines)))
            )
    return "\n\n".join(wrapped)


class BilingualFormatter(click.HelpFormatter):
    """Click's help layout with its own words ("Usage:", "Options", "[required]") in both languages, wrapped
    between words only (:func:`wrap_words`)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """Click's usage line: the arguments after the program, continued under the first; a word too long for
        that column (a choice of every role) continues it under the prefix instead, never cut."""
        prefix = USAGE_PREFIX if prefix is None else prefix
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        width = self.width - self.current_indent
        words = args.split()
        if not words:
            self.write(f"{usage_prefix.rstrip()}\n")
            return
        hang = " " * len(usage_prefix)
        if max(map(len, words)) > width - len(hang):
            hang = " " * (max(self.current_indent, len(prefix)) + 4)
        if len(usage_prefix) + len(words[0]) <= width:
            self.write(f"{wrap_words(args, width, usage_prefix, hang)}\n")
        else:
            self.write(f"{usage_prefix.rstrip()}\n{wrap_words(args, width, hang, hang)}\n")

    def write_heading(self, heading: str) -> None:
        super().write_heading(_HEADINGS.get(heading, heading))

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(f"{wrap_words(text, self.width, indent, indent, paragraphs=True)}\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        """Click's definition list (options, commands), the help in both languages and wrapped between words."""
        rows = [(term, _extra_zh(text)) for term, text in rows]
        widths = measure_table(rows)
        if len(widths) != 2:
            raise TypeError("Expected two columns for definition list")
        first_col = min(widths[0], col_max) + col_spacing
        margin = " " * (first_col + self.current_indent)
        for first, second in iter_rows(rows, len(widths)):
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            self.write(" " * (first_col - len(first)) if len(first) <= first_col - col_spacing else f"\n{margin}")
            lines = wrap_words(second, max(self.width - first_col - 2, 10), paragraphs=True).splitlines() or [""]
            self.write("".join(f"{margin if n else ''}{line}\n" for n, line in enumerate(lines)))


class BilingualContext(click.Context):
    """The context of every ``certreg`` command: its help through :class:`BilingualFormatter`."""

    formatter_class = BilingualFormatter


class BilingualUsageError(click.UsageError):
    """A usage error shown as click shows one (the usage line, then the message) in both languages:
    "错误 / Error:" where click says "Error:". (Click's "Try '… --help'" line needs its built-in help
    option, which :func:`issuer.cli.bilingual_help` replaces: it was never shown.)"""

    def show(self, file: IO[Any] | None = None) -> None:
        out = sys.stderr if file is None else file
        color = None
        if self.ctx is not None:
            color = self.ctx.color
            click.echo(f"{self.ctx.get_usage()}\n", file=out, color=color)
        click.echo(f"错误 / Error: {self.format_message()}", file=out, color=color)

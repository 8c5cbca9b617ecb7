"""Click's own usage errors in Chinese and English.

Click words a mistyped command line in English only ("No such option '--jsn'.", "'x' is not one of …");
an operator of a province centre reads Chinese first (DEVELOPERS.md: every message in both languages). The
English stays click's own, unchanged, after the Chinese; a message that already holds Chinese (our own
parameter types say both) is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

import click

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
    (re.compile(r"^No such option:? '?([^'\s]+)'?"), lambda m: f"没有选项 {m.group(1)}"),
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


def bilingual(message: str) -> str:
    """``message`` as ``"<zh> / <en>"`` (unchanged when it already holds Chinese)."""
    if _HAN.search(message):
        return message
    for pattern, chinese in _PATTERNS:
        match = pattern.match(message)
        if match is not None:
            return f"{chinese(match)} / {message}"
    return f"命令行用法有误 / {message}"


def bilingual_usage_error(exc: click.UsageError) -> click.UsageError:
    """The same usage error (same context, same exit code 2) with its message in both languages."""
    return click.UsageError(bilingual(exc.format_message()), ctx=exc.ctx)

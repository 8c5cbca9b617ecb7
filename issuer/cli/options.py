"""The options several ``certreg`` commands share, spelled once."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import click

#: ``--operator`` of every command that writes events: the name recorded in them (an operator of the role the
#: policy asks for, docs/log.md "Actors").
operator_option = click.option(
    "--operator",
    default=None,
    help="记入事件的操作人（默认：登录名）/ name recorded in the events (default: the login name).",
)
#: ``--reason`` of every change recorded in the transparency log with its reason.
reason_option = click.option(
    "--reason", required=True, help="理由（记入透明日志）/ why (recorded in the transparency log)."
)


def short_text(max_length: int, *, required: bool) -> Callable[[click.Context, click.Parameter, str], str]:
    """A ``callback`` for a free-text option stored in a column of ``max_length`` and printed back by a list
    command (a token's label, an API key's holder): at most that long, no control or format characters (an
    ANSI escape in a label recoloured every later ``tokens list``), and not blank when ``required``. A longer
    label was a PostgreSQL truncation error, reported as "the database cannot be used"."""

    def check(_: click.Context, param: click.Parameter, value: str) -> str:
        text = value.strip()
        bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf")), None)
        if bad is not None:
            raise click.BadParameter(f"含控制字符 U+{ord(bad):04X} / contains the control character U+{ord(bad):04X}")
        if len(text) > max_length or (required and not text):
            least = 1 if required else 0
            raise click.BadParameter(f"{least} 到 {max_length} 个字符 / {least} to {max_length} characters")
        return text

    return check

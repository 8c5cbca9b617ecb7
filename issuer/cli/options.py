"""The options several ``certreg`` commands share, spelled once."""

from __future__ import annotations

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

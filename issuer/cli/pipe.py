"""How a command ends when the reader of its output is gone (``certreg keys list --json | head -1``).

Apart from :mod:`issuer.cli._common` because the command group needs it before any command is loaded (``--help``
or ``--version`` into a closed pipe), and ``_common`` imports what the commands share (SQLAlchemy, the key store,
rich): a second of start-up that ``certreg --version`` has no use for.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Final, NoReturn

#: The exit status of a command whose reader stopped reading (``certreg keys list --json | head -1``).
READER_GONE: Final = 128 + signal.SIGPIPE


def reader_gone() -> NoReturn:
    """End the command quietly because the reader of its output closed the pipe: no traceback, no message,
    exit status 141 (128 + SIGPIPE).

    141 is what the shell reports for coreutils (``yes | head``: killed by SIGPIPE) and for the Python tools
    that restore SIGPIPE's default action, so ``set -o pipefail`` scripts and ``${PIPESTATUS[@]}`` read it the
    way they read every other command's. Not click's own choice, 1 (as the snippet of Python's "Note on
    SIGPIPE"), because 1 already means an answer here (``certreg verify-token``: not valid), and not 0: the
    command did not write all it had to. The rest of the output goes to ``/dev/null``, so the flush at the
    interpreter's exit cannot print "Exception ignored … BrokenPipeError" either. Called by the command group
    (``issuer.cli._Group``) and by the consoles of :mod:`issuer.cli._common` (rich's own ends with 1)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(READER_GONE)

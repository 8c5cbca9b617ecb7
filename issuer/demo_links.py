"""Links to the demo certificates that ``make run`` prints (written by ``certreg demo load``).

The file sits beside the key directory (``var/`` in the embedded setup), a place of the deployment's own,
rather than wherever the command happens to run.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from registry.config import Settings


def demo_links_file(settings: Settings) -> Path:
    return Path(settings.keys.key_dir).resolve().parent / "demo-links.txt"


def demo_links(settings: Settings) -> list[str]:
    path = demo_links_file(settings)
    if not path.exists():
        return []
    lines = path.read_text("utf-8").splitlines()
    return [
        _LINK.sub(lambda m: _ascii(m.group()), line).replace("{public_url}", settings.server.public_url)
        for line in lines
    ]


#: A link of the file: from the ``{public_url}`` placeholder to the next space.
_LINK = re.compile(r"\{public_url\}\S*")


def _ascii(link: str) -> str:
    """``link`` percent-encoded where it is not ASCII (a file written by an older version held a raw
    ``name=张三``); an already encoded link is unchanged."""
    return quote(link, safe="{}:/?&=%#+")

"""Links to the demo certificates that ``make run`` prints (written by ``certreg demo load``)."""

from __future__ import annotations

from pathlib import Path

DEMO_LINKS_FILE = Path("var/demo-links.txt")


def demo_links(public_url: str) -> list[str]:
    if not DEMO_LINKS_FILE.exists():
        return []
    lines = DEMO_LINKS_FILE.read_text("utf-8").splitlines()
    return [line.replace("{public_url}", public_url) for line in lines]

"""Links to the demo certificates that ``make run`` prints (written by ``certreg demo load``).

The file sits beside the key directory (``var/`` in the embedded setup), a place of the deployment's own,
rather than wherever the command happens to run.
"""

from __future__ import annotations

from pathlib import Path

from registry.config import Settings


def demo_links_file(settings: Settings) -> Path:
    return Path(settings.key_dir).resolve().parent / "demo-links.txt"


def demo_links(settings: Settings) -> list[str]:
    path = demo_links_file(settings)
    if not path.exists():
        return []
    lines = path.read_text("utf-8").splitlines()
    return [line.replace("{public_url}", settings.public_url) for line in lines]

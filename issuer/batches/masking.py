"""How the public notice shows a holder's name: enough to recognise oneself, not enough to identify.

The first and the last character stay, every character between becomes ``*``: 张三丰 → 张*丰, 欧阳娜娜 →
欧**娜, 买买提·艾力 → 买****力. A two-character name keeps its first character (李四 → 李*), a
one-character name is all mask. This follows the usual practice of Chinese public notices (公示) of
showing the surname; the ID number is not shown at all (the notice does not need it: rule 8 asks for the
results, and the verify pages show the masked ID to whoever holds the certificate).
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    """The masked form of a (normalised) name; never returns the name itself unless it is empty."""
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]

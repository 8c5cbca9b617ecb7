"""Load a row by its primary key or refuse: the one "404 unless it exists" of every package.

Each caller names what it looks for (Chinese and English, as every message of the registry is bilingual),
so the answer reads the same everywhere: ``证书 X 不存在 / no certificate X``.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import NotFoundError

_Row = TypeVar("_Row")


async def get_or_refuse(session: AsyncSession, model: type[_Row], key: object, *, named: tuple[str, str]) -> _Row:
    """The ``model`` row whose primary key is ``key``; raises :class:`NotFoundError` (404) naming it as
    ``named`` (Chinese, English) when there is none."""
    row = await session.get(model, key)
    if row is None:
        zh, en = named
        raise NotFoundError(f"{zh} {key} 不存在 / no {en} {key}")
    return row

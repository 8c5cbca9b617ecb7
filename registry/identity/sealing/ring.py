"""The data keys one process may use: stored rows, unwrapped under the KEK on first use and kept in memory.

The issuer builds a ring from the data-key table and the opened KEK (``keys.kek.read_kek_file``), seals new
values with :meth:`DataKeyRing.active` and opens stored ones with :meth:`DataKeyRing.open_document_number`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from keys.kek import KeyEncryptionKey
from registry.identity.errors import UnknownDataKeyError
from registry.identity.sealing.datakeys import DataKey, WrappedDataKey, unwrap_data_key, wrap_data_key
from registry.identity.sealing.envelope import open_document_number
from registry.rules.document_types import DocumentType


class DataKeyRing:
    """Wrapped data keys by id, unwrapped lazily under one KEK."""

    def __init__(self, kek: KeyEncryptionKey, wrapped: Iterable[WrappedDataKey] = ()) -> None:
        self._kek = kek
        self._wrapped = {row.dk_id: row for row in wrapped}
        self._open: dict[str, DataKey] = {}
        self._active: DataKey | None = None

    def __repr__(self) -> str:
        return f"DataKeyRing(kek_id={self._kek.kek_id!r}, keys={len(self._wrapped)})"

    def add(self, wrapped: WrappedDataKey) -> None:
        """Make a stored data key available (e.g. one another process created since this ring was built)."""
        self._wrapped[wrapped.dk_id] = wrapped

    def key(self, dk_id: str) -> DataKey:
        """The data key ``dk_id``, unwrapped.

        Raises :class:`UnknownDataKeyError` for an id the ring has no row of, and
        :class:`registry.identity.errors.WrongKekError` / :class:`TamperedWrappedKeyError` as
        :func:`unwrap_data_key` does.
        """
        found = self._open.get(dk_id)
        if found is None:
            row = self._wrapped.get(dk_id)
            if row is None:
                raise UnknownDataKeyError(f"未知的数据密钥{dk_id} / unknown data key {dk_id}")
            found = self._open[dk_id] = unwrap_data_key(row, self._kek)
        return found

    def new_key(self, *, created_on: date) -> WrappedDataKey:
        """Generate the data key new values are sealed with from now on; returns the row to store."""
        key = DataKey.generate()
        row = wrap_data_key(key, self._kek, created_on=created_on)
        self._wrapped[row.dk_id] = row
        self._open[row.dk_id] = self._active = key
        return row

    @property
    def active(self) -> DataKey:
        """The key new values are sealed with; :class:`UnknownDataKeyError` until :meth:`new_key` or
        :meth:`use` chose one."""
        if self._active is None:
            raise UnknownDataKeyError("尚未选定数据密钥 / no active data key: create or choose one first")
        return self._active

    def use(self, dk_id: str) -> None:
        """Seal new values with the stored key ``dk_id`` (raises as :meth:`key`)."""
        self._active = self.key(dk_id)

    def open_document_number(self, sealed: bytes, document_type: DocumentType, *, row: str) -> str:
        """The number sealed for ``row``; raises the errors of :func:`open_document_number`."""
        return open_document_number(self.key, sealed, document_type, row=row)

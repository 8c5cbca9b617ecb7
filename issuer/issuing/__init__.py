"""Issuing: batches become numbered, signed certificates; revocation, reissue (补发), replacement (换发),
QR images and the export feed.

Layers (DESIGN.md): domain — :mod:`.pipeline` (numbers, statements, signatures), :mod:`.corrections`;
store — :mod:`.store`, :mod:`.views`, :mod:`.writer`; services — :mod:`.service` (issue a batch),
:mod:`.changes`, :mod:`.qrcodes`, :mod:`.exports`; http — :mod:`.api`, :mod:`.http`. Who may do what
is in :mod:`.access`.
"""

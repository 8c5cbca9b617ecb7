"""Batches: import, validation, review and public notice of an assessment session's results.

Layers (DESIGN.md): ``columns``, ``problems``, ``rows``, ``importer``, ``workflow``, ``access``, ``masking``
and ``template`` are pure; ``store``, ``rowstore`` and ``refstore`` talk to the database; ``submission``,
``transitions``, ``reports`` and ``notice`` are the services (one transaction each); ``api``, ``upload`` and
``notice_api`` are the litestar controllers.
"""

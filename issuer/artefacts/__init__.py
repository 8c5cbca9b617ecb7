"""Certificate documents and QR archives served to issuers, built once per batch (issue 15, phase 2).

``sources`` reads what a document shows from the registry (the full document number and the photo unsealed
through :mod:`issuer.identity`), ``store`` keeps built files and their ``built_artefact`` rows, ``build``
makes a batch's files (reusing what did not change), ``services`` authorises, logs the download and hands out
a file, ``photos`` takes holder photos, ``api`` is HTTP. ``docs/certificates.md`` ("Phase 2") explains it.
"""

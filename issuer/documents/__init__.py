"""Certificate documents: layout data, field formatting and PDF rendering (domain only: no database, no HTTP).

``model`` is the input (one :class:`~issuer.documents.model.CertificateDocument` per certificate),
``templates/`` the layouts as data (one TOML file per province profile and kind), ``compose`` turns both into
positioned elements, ``fonts`` and ``pdf`` draw them, ``extract`` reads the embedded token back, ``photos``
checks holder photos and ``pool`` renders many documents across cores. ``docs/certificates.md`` explains the
choices and their measurements.
"""

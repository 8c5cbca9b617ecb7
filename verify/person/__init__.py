"""The person look-up (issue 14): name + document type + document number → every certificate of that person.

* ``lookup.py`` — domain: the typed document checked and turned into the look-up index and the person's tag;
* ``render.py`` — the answers (``verify.schemas.PersonResult`` and the pages) from certificate views;
* ``queries.py`` — the one SQL statement by the ``ix_certificate_holder`` index;
* ``cache.py`` — the Redis level, single flight, invalidation by holder;
* ``pow.py`` — the proof-of-work challenge of the form;
* ``service.py`` — the order of work of a request; ``wiring.py`` — built from the verify runtime's parts.

The verify app holds the id-hash key (an HMAC key) for this and nothing else: it never decrypts an identity
(``docs/identity.md``, "What verify may never do"). See ``docs/verify.md`` "Person look-up".
"""

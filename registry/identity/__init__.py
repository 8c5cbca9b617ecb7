"""Holder identity: the look-up index of identity documents, and (in :mod:`registry.identity.sealing`) the
sealed storage of full document numbers. The design is in ``docs/identity.md``.

What each part may be used by:

* :mod:`registry.identity.index` — the keyed hash of (document type, lifelong number). It holds the id-hash
  key only, never a data key: the verify app uses it for the person look-up.
* :mod:`registry.identity.sealing` — data keys, their wrapping under the key-encryption key
  (:mod:`keys.kek`), and the sealed envelope. Only the issuer (province admin reads, exports, legacy
  import) may import it; the verify package never does (import-linter contract "verify never holds a data
  key or decrypts an identity").

Document types, validators and masks are rules: :mod:`registry.rules.document_types`,
:mod:`registry.rules.documents`, :mod:`registry.rules.masks`.
"""

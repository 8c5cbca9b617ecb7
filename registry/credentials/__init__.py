"""W3C standards credentials as pure code: RFC 8785 JSON, Data Integrity ``eddsa-jcs-2022`` proofs,
Multikey and did:web documents, Bitstring Status Lists and the Open Badges 3.0 credential of a certificate.

No database and no HTTP here (import-linter enforces it): a verify replica builds did documents and status
lists from public data, and signing goes through a ``sign`` callable the issuer provides. See
``docs/credentials.md``.
"""

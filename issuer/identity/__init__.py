"""Holder identities on the write path: sealing document numbers at upload, the province admin's logged
reads of one certificate's full identity, and the key-encryption key's life (``docs/identity.md``).

Everything here can decrypt: the verify package never imports it (import-linter).
"""

"""Sealed storage of full document numbers (and photos): data keys wrapped by the KEK, and the envelope.

Everything in this subpackage can decrypt. The verify package must never import it (import-linter contract
"verify never holds a data key or decrypts an identity"); see ``docs/identity.md``.
"""

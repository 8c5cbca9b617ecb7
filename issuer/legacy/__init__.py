"""Certificates issued before the registry went live, imported with their existing numbers (issue 13 phase 2,
NUMBERING.md "Certificates issued before the registry", ``docs/legacy.md``)."""

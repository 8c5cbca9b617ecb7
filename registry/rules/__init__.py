"""The province's rules as pure code: no I/O, no database, no HTTP (DESIGN.md, domain layer).

- :mod:`~registry.rules.ids` — resident IDs, credit codes, occupation codes, levels, dates.
- :mod:`~registry.rules.profiles` — the Hunan and Sichuan profiles (policy as data), ``get_profile``.
- :mod:`~registry.rules.numbering` — certificate numbers: format, parse, validate, scope of a sequence.
- :mod:`~registry.rules.eligibility` — rules 1–6: may this institution certify this, on this date?
- :mod:`~registry.rules.errors` — :class:`Violation` and :class:`RuleError`; codes in ``messages``.
"""

"""The audit of the whole registry against its transparency log (``certreg audit``, docs/log.md).

The log (:mod:`registry.log`) is what a third party can check; this package is what the province checks
against it, in one read snapshot (:mod:`~registry.audit.run`): the log itself — every leaf, node and
checkpoint (:mod:`~registry.audit.log`) —, every certificate (:mod:`~registry.audit.certificates`) and
print (:mod:`~registry.audit.prints`), the key table (:mod:`~registry.audit.keys`) and the filing tables
(:mod:`~registry.audit.filings`) against the events that created them. What it finds is
:mod:`~registry.audit.findings`; what it remembers between runs, :mod:`~registry.audit.state`.
"""

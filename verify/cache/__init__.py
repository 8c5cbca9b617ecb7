"""The two-level cache of the read path: in-process answers, Redis views, invalidation and the change feed.

No HTTP here: nothing in this package imports litestar (an import-linter contract).
"""

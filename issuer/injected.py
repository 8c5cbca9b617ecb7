"""The two values every issuer route is given by name (:mod:`issuer.plugin`): the runtime and the caller.

One alias each, so a handler's signature says in a word what it takes: ``issuer: Runtime`` (database,
settings, keys, profile) and ``principal: Caller`` (the API token's or the console session's principal;
the console names it ``staff``). Litestar injects by the parameter's name; the alias only carries the type
and the marker that says "injected, not a query parameter".
"""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency

from issuer.auth import Principal
from issuer.runtime import IssuerRuntime

Runtime: TypeAlias = NamedDependency[IssuerRuntime]
Caller: TypeAlias = NamedDependency[Principal]

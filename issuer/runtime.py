"""What the issuer's routes need at run time: settings, the write database, the key store, Redis.

Built in the app's lifespan and kept in ``app.state.issuer``. The key store is opened lazily: reading a
batch needs no passphrase, only signing does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State

from issuer.artefacts.services import Artefacts
from issuer.auth import Principal, resolve_token
from issuer.auth.bearer import bearer_token, unauthorized
from issuer.keystore import KeyStore, keystore_from_settings
from registry.config import Settings
from registry.db import Database
from registry.rules.policy import ProvinceProfile
from registry.rules.profiles import get_profile
from verify.cache.invalidation import invalidate_numbers
from verify.runtime import STATE_KEY as VERIFY_STATE_KEY
from verify.runtime import VerifyRuntime, state_value

STATE_KEY = "issuer"


class IssuerRuntime:
    def __init__(self, settings: Settings, database: Database, verify: VerifyRuntime | None) -> None:
        self.settings = settings
        #: The province profile, resolved once at start-up (the routes pass it to the services).
        self.profile: ProvinceProfile = get_profile(settings.issuing.profile)
        self.database = database
        self.verify = verify
        self._keystore: KeyStore | None = None
        self._artefacts: Artefacts | None = None

    @property
    def keystore(self) -> KeyStore:
        """The sealed key store; raises :class:`SettingsError` when no passphrase is configured."""
        if self._keystore is None:
            self._keystore = keystore_from_settings(self.settings)
        return self._keystore

    @property
    def artefacts(self) -> Artefacts:
        """The build-once service of certificate documents and QR archives (``docs/certificates.md``)."""
        if self._artefacts is None:
            self._artefacts = Artefacts(self.database, self.settings)
        return self._artefacts

    async def announce(self, numbers: Sequence[str]) -> None:
        """Tell every verify worker that ``numbers`` changed (after the change committed)."""
        redis = self.verify.redis if self.verify is not None else None
        await invalidate_numbers(redis, self.settings.redis.redis_prefix, numbers)

    async def close(self) -> None:
        await self.database.dispose()


def lifespan(settings: Settings) -> Any:
    @asynccontextmanager
    async def _lifespan(app: Litestar) -> AsyncIterator[None]:
        verify = app.state.get(VERIFY_STATE_KEY)
        runtime = IssuerRuntime(settings, Database(settings.database.database_url), verify)
        app.state[STATE_KEY] = runtime
        try:
            yield
        finally:
            await runtime.close()

    return _lifespan


def provide_issuer(state: State) -> IssuerRuntime:
    return state_value(state, STATE_KEY, IssuerRuntime)


async def provide_principal(request: Request[Any, Any, Any], state: State) -> Principal:
    """The caller behind the bearer token; 401 when it is missing, unknown or revoked."""
    token = bearer_token(request)
    async with provide_issuer(state).database.reader() as session:
        principal = await resolve_token(session, token)
    if principal is None:
        raise unauthorized()
    return principal

"""Settings: frozen msgspec Structs, one per concern, composed into :class:`Settings` and read from the flat
``CERTREG_*`` environment variables.

Read only inside ``create_app()`` / the CLI, never at import time, so tests build apps with settings of their
own. An optional TOML file (``CERTREG_CONFIG``) supplies defaults that the environment overrides. A bad value
stops start-up with :class:`SettingsError`, whose message names the variable, the value given and what it
expected; an unknown name (a typo in the environment or the TOML file) is refused rather than ignored.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Final, NamedTuple, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec

from registry.errors import RegistryError

ENV_PREFIX: Final = "CERTREG_"
#: ``CERTREG_*`` variables that are not settings: the TOML file's name, and the ASGI app the Docker image's
#: command serves (``Dockerfile``, ``docker-compose.yml``: ``issuer.asgi:app`` or ``verify.asgi:app``), which
#: is in the environment of every process of the container, ``certreg`` commands included.
NOT_SETTINGS: Final = frozenset({f"{ENV_PREFIX}CONFIG", f"{ENV_PREFIX}APP"})
_SECRET_FIELDS: Final = frozenset({"key_passphrase", "id_hash_key"})
#: Settings holding a URL that may carry a password: shown only through :func:`redact_url`.
_URL_FIELDS: Final = frozenset({"database_url", "replica_url", "redis_url"})
_DB_SCHEMES: Final = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
_PROFILES: Final = ("hunan", "sichuan")

_Built = TypeVar("_Built")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
#: A duration setting is at most a year (in its own unit): a longer one means nothing here, and an absurd one
#: overflowed ``timedelta``/``datetime`` where it was used (every console page answered 500).
Seconds = Annotated[int, msgspec.Meta(ge=1, le=366 * 24 * 3600)]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=366 * 24 * 60)]
Hours = Annotated[int, msgspec.Meta(ge=1, le=366 * 24)]
#: A rate limit; at most 10**9 a minute (what bench/verify sets to take the limits out of its way): a larger
#: value is a typing slip, refused at start-up rather than believed.
PerMinute = Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]


class SettingsError(RegistryError):
    """A setting is missing or malformed; the message names the environment variable."""


class _Concern(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One concern's settings. Field ``x`` is read from ``CERTREG_X``: the field keeps the variable's whole
    name (``cache.cache_max_entries``, not ``cache.max_entries``) so that searching for a variable documented
    in docs/operations.md finds the code that reads it."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, float) and not math.isfinite(value):
                raise _error(name, "a finite number", str(value))
        self._check()

    def _check(self) -> None:
        """The checks a type annotation cannot say; raises :class:`SettingsError` naming the variable."""

    def __repr__(self) -> str:
        shown = {name: _shown(name, getattr(self, name)) for name in self.__struct_fields__}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    __str__ = __repr__


class DatabaseSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the registry's data lives, and how long the read path waits for it."""

    database_url: str = "sqlite+aiosqlite:///./var/certreg.db"
    #: Optional read replica for the verify read path (falls back to ``database_url``).
    replica_url: str | None = None
    #: Longest wait for the database on the read path before the answer is 503.
    db_timeout_seconds: PositiveFloat = 3.0
    #: ``Retry-After`` of a 503 answer when the database cannot answer.
    retry_after_seconds: Seconds = 5

    def _check(self) -> None:
        _check_db_url("database_url", self.database_url)
        if self.replica_url is not None:
            _check_db_url("replica_url", self.replica_url)

    @property
    def read_url(self) -> str:
        """The database URL the verify read path uses."""
        return self.replica_url or self.database_url


class RedisSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The Redis server shared by the verify cache, rate limits, invalidation and the console's sessions."""

    #: Redis for the verify cache, rate limits and invalidation; unset = in-process cache only.
    redis_url: str | None = None
    #: Prefix of every Redis key and channel, so several deployments (or test workers) share one server.
    redis_prefix: str = "certreg"
    #: Longest wait for one Redis call on the read path before it goes on without Redis.
    redis_timeout_seconds: PositiveFloat = 0.25
    #: How long the invalidation subscriber hears nothing from Redis (its pings included) before it counts
    #: the connection as lost and switches the in-process cache off: a frozen Redis keeps its sockets open.
    redis_dead_after_seconds: PositiveFloat = 3.0

    def _check(self) -> None:
        if not self.redis_prefix.strip():
            raise _error("redis_prefix", "a non-empty value", self.redis_prefix)
        if self.redis_url is not None:
            _check_redis_url(self.redis_url)


class CacheSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The verify read path's caches (in process and in Redis) and how fast changes reach them."""

    #: In-process response cache bounds. Bytes are what the answers hold in memory (~3.2 KB each for a
    #: /v1/verify answer at 1M certificates, docs/verify.md): 160 MiB keeps the 50,000 entries.
    cache_max_entries: PositiveInt = 50_000
    cache_max_bytes: PositiveInt = 160 * 1024 * 1024
    #: Seconds a certificate view lives in Redis (invalidation removes it sooner).
    redis_ttl_seconds: Seconds = 3600
    #: Verify read path: keep ready-to-send answers in process memory (switched off only to measure).
    local_cache: bool = True
    #: Verify read path: keep certificate views in Redis (switched off only to measure; Redis still carries
    #: rate limits and invalidations).
    redis_cache: bool = True
    #: Seconds between polls of the event table for changed certificates and keys (the invalidation
    #: backstop behind Redis pub/sub, and the only path when there is no Redis).
    change_poll_seconds: PositiveFloat = 0.5
    #: Seconds after which the key set is reloaded even when no key event was seen.
    keyset_refresh_seconds: Seconds = 60
    #: ``max-age`` of ``GET /v1/keys``.
    keys_max_age_seconds: Seconds = 300
    #: Seconds a worker remembers an employer API key look-up (revocations are also announced via Redis).
    api_key_cache_seconds: Seconds = 60


class RateLimitSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How much the public verify routes answer one client, and the work the person look-up asks first."""

    #: Requests per minute per client IP on the public routes / per API key on the employer routes.
    public_rate_per_minute: PerMinute = 120
    api_rate_per_minute: PerMinute = 1200
    #: Seconds between flushes of the rate-limit counters to Redis.
    rate_sync_seconds: PositiveFloat = 0.1
    #: Person look-up (issue 14): proof-of-work difficulty of the form in leading zero bits of SHA-256 (each
    #: bit doubles the work; 15 takes a phone a few tenths of a second; 0 = no work asked).
    person_pow_bits: Annotated[int, msgspec.Meta(ge=0, le=28)] = 15
    #: Person look-ups per minute per client IP with the form's work done, or through the API without a key.
    person_rate_per_minute: PerMinute = 30
    #: Person look-ups per minute per client IP from the form without the work done (JavaScript off).
    person_nojs_rate_per_minute: PerMinute = 6
    #: Look-ups per minute of one person's document, from every address together.
    person_id_rate_per_minute: PerMinute = 10


class KeySettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The secrets: sealed signing keys and the keyed hash of holders' ID numbers."""

    #: Directory of sealed private-key files (mode 0700, files 0600).
    key_dir: str = "./var/keys"
    #: Passphrase that unseals private keys (or give ``key_passphrase_file``).
    key_passphrase: str | None = None
    key_passphrase_file: str | None = None
    #: Argon2id strength for new sealed key files: sensitive, moderate, interactive (insecure-test-only: tests).
    key_kdf: str = "moderate"
    #: Secret for the keyed hash of holders' ID numbers (at least 16 characters).
    id_hash_key: str | None = None

    def _check(self) -> None:
        if not self.key_dir.strip():
            raise _error("key_dir", "a non-empty value", self.key_dir)
        if self.id_hash_key is not None and len(self.id_hash_key) < 16:
            raise _error("id_hash_key", "a secret of at least 16 characters", "(too short)")
        if self.key_kdf not in ("sensitive", "moderate", "interactive", "insecure-test-only"):
            raise _error("key_kdf", "sensitive, moderate or interactive", self.key_kdf)

    def passphrase(self) -> bytes:
        """The key passphrase from ``key_passphrase`` or ``key_passphrase_file``.

        Raises :class:`SettingsError` when neither is set or the file cannot be read.
        """
        if self.key_passphrase:
            return self.key_passphrase.encode()
        if self.key_passphrase_file:
            try:
                return Path(self.key_passphrase_file).read_text(encoding="utf-8").strip().encode()
            except OSError as exc:
                raise _error("key_passphrase_file", "a readable file", f"{exc.strerror}") from None
        raise SettingsError(
            "缺少密钥口令 / no key passphrase: set CERTREG_KEY_PASSPHRASE or CERTREG_KEY_PASSPHRASE_FILE"
        )

    def id_hash_secret(self) -> bytes:
        """The secret of the holder-ID keyed hash; raises :class:`SettingsError` when unset."""
        if not self.id_hash_key:
            raise SettingsError("缺少证件号哈希密钥 / CERTREG_ID_HASH_KEY is not set (16+ characters)")
        return self.id_hash_key.encode()


class IssuingSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the issuer accepts and under which province's rules."""

    #: Province profile: numbering rules and policy items (``hunan`` or ``sichuan``). Resolved to a
    #: ``ProvinceProfile`` once, at start-up (the app factory, the CLI group, the runtimes).
    profile: str = "hunan"
    #: Overrides the profile's public-notice period (days): longer only, unless ``demo_mode`` (rule 8).
    notice_days: Annotated[int, msgspec.Meta(ge=0, le=366)] | None = None
    #: The demo (``make run``): the notice may be shortened below the profile's minimum, and the public pages
    #: and the log say so. Never on in a real deployment.
    demo_mode: bool = False
    max_upload_bytes: PositiveInt = 20 * 1024 * 1024
    max_rows: PositiveInt = 100_000

    def _check(self) -> None:
        if self.profile not in _PROFILES:
            raise _error("profile", f"one of {', '.join(_PROFILES)}", self.profile)
        self._check_notice_days()

    def _check_notice_days(self) -> None:
        """Rule 8 (docs/rules.md): the public notice is never shorter than the profile's minimum (7 days for
        Hunan's school pilot); only the demo mode, which the pages and the log announce, may shorten it."""
        from registry.rules.profiles import get_profile

        minimum = get_profile(self.profile).notice_days
        if self.notice_days is not None and self.notice_days < minimum and not self.demo_mode:
            raise SettingsError(
                f"配置错误 / bad setting {_env_name('notice_days')}: 公示期不得短于本省规定的 {minimum} 天（规则8），"
                f"{self.notice_days} 天仅可在演示模式（{_env_name('demo_mode')}=1）下使用 / the public notice lasts "
                f"at least the profile's {minimum} days (rule 8); {self.notice_days} is allowed only in the demo mode "
                f"({_env_name('demo_mode')}=1)"
            )


class DocumentSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Certificate documents: where the built files are kept and how they print."""

    #: The file store of files built once per batch (QR archives, certificate zips and print runs;
    #: ``docs/certificates.md``). Default: ``documents`` beside the key directory (:attr:`Settings.documents_path`).
    document_dir: str | None = None
    #: Certificate documents, print variant: ``x,y`` in mm (each within ±20; + is right/down) by which every
    #: printed value is moved on the blank stock; unset = the profile's ``print_offset_*_mm``. Found by a test
    #: print (``certreg certificates test-print``, docs/certificates.md "Adjusting the print offset").
    print_offset_mm: str | None = None
    #: Certificate documents: comma-separated TrueType font files tried, in order, for a character the
    #: shipped font lacks (each checked to exist and load at start-up).
    fallback_fonts: str = ""

    def _check(self) -> None:
        self.print_offset()
        _check_fonts(self.fallback_font_paths())

    def print_offset(self) -> tuple[float, float] | None:
        """``print_offset_mm`` as ``(x, y)`` mm, or ``None`` when unset (the profile's offset applies);
        raises :class:`SettingsError` naming ``CERTREG_PRINT_OFFSET_MM`` for a malformed or too large value."""
        if self.print_offset_mm is None or not self.print_offset_mm.strip():
            return None
        return parse_offset_mm(self.print_offset_mm, name=_env_name("print_offset_mm"))

    def fallback_font_paths(self) -> tuple[str, ...]:
        """The files of ``fallback_fonts``, in order."""
        return tuple(part.strip() for part in self.fallback_fonts.split(",") if part.strip())


class TransparencyLogSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The signed transparency log's name and how often it is checkpointed."""

    #: Transparency-log origin line of checkpoints (C2SP signed note).
    log_origin: str = "certreg.example/log"
    checkpoint_interval_seconds: Seconds = 300

    def _check(self) -> None:
        if not re.fullmatch(r"[^\s+]+", self.log_origin):
            # it is also the key name of the log's signed notes (c2sp.org/signed-note): no space, no '+'
            raise _error("log_origin", "a schema-less URL without spaces or '+' (hrss.example/log)", self.log_origin)


class ConsoleSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The staff console (docs/console.md): sessions and sign-in limits."""

    #: A session ends after this many idle minutes, and this many hours after sign-in whatever happens; an
    #: account is locked this many minutes after 5 failed sign-ins.
    console_idle_minutes: Minutes = 30
    console_session_hours: Hours = 12
    console_lockout_minutes: Minutes = 15
    #: Sign-in attempts per minute from one client address and for one login name.
    console_login_rate_per_minute: PerMinute = 30
    console_account_rate_per_minute: PerMinute = 10


class ServerSettings(_Concern, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The HTTP server: its public address, workers, proxies, logging and metrics."""

    #: Public base URL that QR codes point at (no trailing slash).
    public_url: str = "http://127.0.0.1:8000"
    #: Server workers for ``certreg serve`` (and the processes that build documents).
    workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    #: Log level of the service's own loggers.
    log_level: str = "INFO"
    #: One JSON access-log line per request (route template, status, time; never the path or query).
    access_log: bool = True
    #: Reverse proxies / load balancers whose ``Forwarded`` or ``X-Forwarded-For`` header is believed
    #: (comma-separated CIDRs, e.g. ``10.0.0.0/8,192.168.1.5/32``); empty = believe no proxy header at all.
    trusted_proxies: str = ""
    #: Which header the trusted proxies set: ``x-forwarded-for`` (nginx, most load balancers) or
    #: ``forwarded`` (RFC 7239). Only that one is read: the other could be the client's own invention.
    proxy_header: str = "x-forwarded-for"
    #: Seconds between reads of the registry's state for the gauges (checkpoint age, batches, certificates).
    metrics_refresh_seconds: PositiveFloat = 15.0
    #: ``certreg serve``: where it makes the per-run directory of prometheus_client's multiprocess mode
    #: (default: the system's temporary directory).
    metrics_dir: str | None = None
    #: ``certreg serve``: also serve ``/metrics`` (all workers) on this port, apart from the public one.
    metrics_port: Annotated[int, msgspec.Meta(ge=1, le=65535)] | None = None

    def _check(self) -> None:
        if not re.match(r"^https?://[^/\s]+(/[^\s]*)?$", self.public_url) or self.public_url.endswith("/"):
            raise _error("public_url", "an http(s) URL without a trailing slash", self.public_url)
        self.trusted_networks()  # raises SettingsError naming CERTREG_TRUSTED_PROXIES
        if self.proxy_header not in ("x-forwarded-for", "forwarded"):
            raise _error("proxy_header", "x-forwarded-for or forwarded", self.proxy_header)
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise _error("log_level", "DEBUG, INFO, WARNING or ERROR", self.log_level)

    def trusted_networks(self) -> tuple[IPNetwork, ...]:
        """The networks of ``trusted_proxies``; raises :class:`SettingsError` on an entry that is not a CIDR
        (a host part set, as in ``10.0.0.1/8``, is refused too: it is usually a typo for a narrower range)."""
        networks: list[IPNetwork] = []
        for entry in self.trusted_proxies.split(","):
            if not entry.strip():
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=True))
            except ValueError as exc:
                raise _error("trusted_proxies", f"comma-separated CIDRs ({exc})", self.trusted_proxies) from None
        return tuple(networks)


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every tunable of the service, one frozen struct per concern. A component takes the concern it reads
    (the verify cache a :class:`CacheSettings`, the console a :class:`ConsoleSettings` …), so what it
    depends on is in its signature; only start-up code holds the whole.

    The environment stays flat: ``CERTREG_X`` sets field ``x`` of whichever concern declares it
    (:func:`load_settings`); :meth:`replaced` changes fields by the same flat names.
    """

    database: DatabaseSettings = msgspec.field(default_factory=DatabaseSettings)
    redis: RedisSettings = msgspec.field(default_factory=RedisSettings)
    cache: CacheSettings = msgspec.field(default_factory=CacheSettings)
    rate_limits: RateLimitSettings = msgspec.field(default_factory=RateLimitSettings)
    keys: KeySettings = msgspec.field(default_factory=KeySettings)
    issuing: IssuingSettings = msgspec.field(default_factory=IssuingSettings)
    documents: DocumentSettings = msgspec.field(default_factory=DocumentSettings)
    transparency: TransparencyLogSettings = msgspec.field(default_factory=TransparencyLogSettings)
    console: ConsoleSettings = msgspec.field(default_factory=ConsoleSettings)
    server: ServerSettings = msgspec.field(default_factory=ServerSettings)

    @property
    def documents_path(self) -> Path:
        """The directory of the built-file store (``document_dir``, or ``documents`` beside ``key_dir``): the
        one setting that joins two concerns, so it lives on the whole."""
        if self.documents.document_dir:
            return Path(self.documents.document_dir)
        return Path(self.keys.key_dir).resolve().parent / "documents"

    def replaced(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (flat names, as in the environment) applied to their concerns and checked
        again; raises :class:`SettingsError` on an unknown name or a bad value."""
        nested = msgspec.to_builtins(self)
        for name, value in changes.items():
            nested[_concern_of(name, _env_name(name))][name] = value
        return _convert(nested, changes)


#: Which concern declares each flat field name (``"cache_max_entries" → "cache"``).
_CONCERN_OF: Final[Mapping[str, str]] = {
    field: concern.name for concern in msgspec.structs.fields(Settings) for field in concern.type.__struct_fields__
}


def _concern_of(name: str, variable: str) -> str:
    """The concern declaring ``name``; raises :class:`SettingsError` naming ``variable`` when none does."""
    try:
        return _CONCERN_OF[name]
    except KeyError:
        known = sorted(_env_name(field) for field in _CONCERN_OF)
        near = difflib.get_close_matches(variable, known, n=1)
        zh, en = (f"（是否为 {near[0]}？）", f" (did you mean {near[0]}?)") if near else ("", "")
        raise SettingsError(  # the variables, not the TOML keys: a variable is what was set
            f"配置错误：没有设置项 {variable}{zh} / unknown setting {variable}{en}: known are {', '.join(known)}"
        ) from None


def _convert(nested: Mapping[str, Any], flat: Mapping[str, Any]) -> Settings:
    try:
        return msgspec.convert(nested, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise _validation_error(exc, flat) from None


#: The largest print offset (mm) either way: beyond it the stock is not in the printer as the profile assumes.
MAX_OFFSET_MM: Final = 20.0
#: One offset as people write it: ASCII digits, an optional sign and decimal point. ``float`` alone also took
#: ``1_0`` (10 mm), ``1e1`` and digits of other scripts.
_MILLIMETRES: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: ``x,y`` as :func:`parse_offset_mm` reads it (spaces around each number allowed), as a regular expression
#: (the OpenAPI document's ``pattern`` of an offset; the bound of :data:`MAX_OFFSET_MM` is checked apart).
OFFSET_MM_PATTERN: Final = rf"\s*{_MILLIMETRES.pattern}\s*,\s*{_MILLIMETRES.pattern}\s*"


def parse_offset_mm(text: str, *, name: str = "offset") -> tuple[float, float]:
    """``"x,y"`` (mm, each a finite number within ±:data:`MAX_OFFSET_MM`) as ``(x, y)``; raises
    :class:`SettingsError` whose zh+en message names ``name`` and what was expected."""
    parts = text.split(",")
    expected = f"x,y in mm, each from -{MAX_OFFSET_MM:g} to {MAX_OFFSET_MM:g} (e.g. 1.5,-2)"
    written = [part.strip() for part in parts]
    if len(written) == 2 and all(_MILLIMETRES.fullmatch(part) for part in written):
        x, y = (float(part) for part in written)
    else:
        x = y = math.nan
    if not all(math.isfinite(v) and abs(v) <= MAX_OFFSET_MM for v in (x, y)):
        raise SettingsError(
            f"配置错误 / bad setting {name}: 偏移须为 x,y 毫米，各在 ±{MAX_OFFSET_MM:g} 以内 / expected {expected}, "
            f"got {text[:40]!r}"
        )
    return x + 0.0, y + 0.0


def _check_fonts(paths: tuple[str, ...]) -> None:
    """Every fallback font exists and loads as a TrueType font the PDF library can embed."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFontFile

    variable = _env_name("fallback_fonts")
    for path in paths:
        if not Path(path).is_file():
            raise SettingsError(f"配置错误 / bad setting {variable}: 字体文件不存在 / no such font file {path!r}")
        try:
            TTFontFile(path)
        except (OSError, TTFError) as exc:
            raise SettingsError(
                f"配置错误 / bad setting {variable}: 字体无法加载（须为 TrueType .ttf） / {path!r} does not load as "
                f"a TrueType font: {exc}"
            ) from None


def _shown(name: str, value: Any) -> Any:
    """How a setting appears in ``repr(settings)``: secrets as ``***``, URLs without their password."""
    if name in _SECRET_FIELDS and value:
        return "***"
    if name in _URL_FIELDS and isinstance(value, str):
        return redact_url(value)
    return value


class SentinelUrl(NamedTuple):
    sentinels: list[tuple[str, int]]
    service: str
    db: int
    username: str | None
    password: str | None
    sentinel_password: str | None


def parse_sentinel_url(url: str) -> SentinelUrl:
    """The parts of a ``redis+sentinel://`` URL; raises :class:`SettingsError` naming what is wrong."""
    parts = urlsplit(url)
    sentinels, username, password = _hosts(parts.netloc, "sentinel")
    path = [p for p in parts.path.split("/") if p]
    if not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise SettingsError(
            "配置错误 / bad setting CERTREG_REDIS_URL: expected …/service_name[/db] after the sentinels"
        )
    query = parse_qs(parts.query)
    return SentinelUrl(
        sentinels=sentinels,
        service=path[0],
        db=int(path[1]) if len(path) == 2 else 0,
        username=username,
        password=password,
        sentinel_password=query.get("sentinel_password", [None])[0],
    )


class ClusterUrl(NamedTuple):
    nodes: list[tuple[str, int]]
    username: str | None
    password: str | None


def parse_cluster_url(url: str) -> ClusterUrl:
    """The parts of a ``redis+cluster://[user:password@]host:port[,host:port…]`` URL (any nodes of the
    cluster to start from; a cluster has database 0 only); raises :class:`SettingsError` naming what is
    wrong."""
    parts = urlsplit(url)
    nodes, username, password = _hosts(parts.netloc, "cluster node")
    if parts.path.strip("/") not in ("", "0"):
        raise SettingsError("配置错误 / bad setting CERTREG_REDIS_URL: a Redis Cluster has database 0 only")
    return ClusterUrl(nodes=nodes, username=username, password=password)


def _hosts(netloc: str, what: str) -> tuple[list[tuple[str, int]], str | None, str | None]:
    """``([(host, port) …], user, password)`` of a comma-separated authority; the error never shows the
    password."""
    username = password = None
    if "@" in netloc:
        credentials, netloc = netloc.rsplit("@", 1)
        user, _, secret = credentials.partition(":")
        username, password = unquote(user) or None, unquote(secret) or None
    hosts: list[tuple[str, int]] = []
    for host_port in netloc.split(","):
        host, _, port = host_port.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"配置错误 / bad setting CERTREG_REDIS_URL: {what} {host_port!r} is not host:port")
        hosts.append((host.strip("[]"), int(port)))
    return hosts, username, password


def _env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def _error(field: str, expected: str, got: str) -> SettingsError:
    variable = _env_name(field)
    return SettingsError(
        f"配置错误：{variable} 取值无效 / bad setting {variable}: expected {expected}, got {redact_url(got)!r}"
    )


def redact_url(url: str) -> str:
    """``url`` with its password (and any ``password=``/``secret=``/``token=`` query value) replaced by
    ``***``: the only form of a database or Redis URL that may reach an error message or a log line.

    The user name and hosts stay, so an operator can still tell which URL is meant. A password holding an
    unencoded ``@`` is redacted whole (everything before the last ``@`` of the authority is credentials).
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _redact_query(url)
    head, qmark, query = rest.partition("?")
    if "@" in head:
        credentials, host = head.rsplit("@", 1)
        user, colon, _secret = credentials.partition(":")
        if "/" in user:  # an "@" in the path, not credentials: hide it all rather than guess
            user, colon = "", ":"
        head = f"{user}{':***' if colon else ''}@{host}"
    return f"{scheme}://{head}{qmark}{_redact_query(query) if qmark else ''}"


_SECRET_QUERY: Final = re.compile(r"((?:^|[&?;])[^=&]*(?:password|secret|token)[^=&]*=)[^&]*", re.IGNORECASE)


def _redact_query(query: str) -> str:
    return _SECRET_QUERY.sub(r"\1***", query)


def _check_redis_url(url: str) -> None:
    if not re.match(r"^(redis|rediss|unix|redis\+sentinel|redis\+cluster)://", url):
        raise _error(
            "redis_url", "a redis://, rediss://, unix://, redis+sentinel:// or redis+cluster:// URL", redact_url(url)
        )
    if url.startswith("redis+sentinel://"):
        parse_sentinel_url(url)
    elif url.startswith("redis+cluster://"):
        parse_cluster_url(url)
    elif not url.startswith("unix://"):
        _check_port("redis_url", url)


def _check_db_url(field: str, url: str) -> None:
    if not url.startswith(_DB_SCHEMES):
        raise _error(field, "a sqlite+aiosqlite:// or postgresql+asyncpg:// URL", redact_url(url))
    if url.startswith("postgresql"):
        _check_port(field, url)


def _check_port(field: str, url: str) -> None:
    """A port that is not a number would fail later, inside a driver whose error echoes the whole URL."""
    try:
        port = urlsplit(url).port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise _error(field, "a URL whose port is a number from 1 to 65535", redact_url(url))


def built_or_exit(build: Callable[[], _Built]) -> _Built:
    """``build()`` (an ASGI module's ``create_app``), or, when a setting is bad, its message on stderr and exit
    code 2: a server such as granian importing ``verify.asgi`` printed the whole traceback around it."""
    try:
        return build()
    except SettingsError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` from ``environ`` (default ``os.environ``), a TOML file and ``overrides``.

    Precedence: overrides > environment > ``CERTREG_CONFIG`` TOML file > defaults. Raises
    :class:`SettingsError` naming the variable on an unknown ``CERTREG_*`` name or a bad value.
    """
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    config_file = env.get(f"{ENV_PREFIX}CONFIG")
    if config_file:
        raw.update(_read_toml(config_file))
    for name, given in env.items():
        value = given
        if not name.startswith(ENV_PREFIX) or name in NOT_SETTINGS:
            continue
        field = name[len(ENV_PREFIX) :].lower()
        if field.endswith("_file") and field not in _CONCERN_OF and field[: -len("_file")] in FILE_SECRETS:
            field = field[: -len("_file")]
            if _env_name(field) in env:
                raise SettingsError(f"配置错误 / set {_env_name(field)} or {name}, not both")
            value = _read_secret(name, value)
        _concern_of(field, name)
        raw[field] = None if value == "" and field in _OPTIONAL_FIELDS else value
    raw.update(overrides)
    nested: dict[str, dict[str, Any]] = {}
    for field, value in raw.items():
        nested.setdefault(_concern_of(field, _env_name(field)), {})[field] = value
    return _convert(nested, raw)


#: Settings that may instead be read from a file named by ``CERTREG_<NAME>_FILE`` (Docker and Kubernetes
#: secrets): anything that holds a password or a key.
FILE_SECRETS: Final = frozenset({"database_url", "replica_url", "redis_url", "id_hash_key", "key_passphrase"})


def _read_secret(variable: str, path: str) -> str:
    """The content of a secret file, without its trailing newline; the error names the variable, never the
    content."""
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise SettingsError(f"配置错误 / bad setting {variable}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"配置错误 / bad setting {variable}: {path} is not UTF-8 text") from None


_OPTIONAL_FIELDS: Final = frozenset(
    {
        "replica_url",
        "redis_url",
        "key_passphrase",
        "key_passphrase_file",
        "id_hash_key",
        "notice_days",
        "metrics_dir",
        "metrics_port",
        "print_offset_mm",
    }
)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise _error("config", "a readable TOML file", f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _error("config", "valid TOML", f"{path}: {exc}") from None
    section = data.get("certreg", data)
    if not isinstance(section, dict):
        raise _error("config", "a [certreg] table", path)
    unknown = sorted(str(key) for key in section if key not in _CONCERN_OF)
    if unknown:
        raise SettingsError(
            f"配置文件 {path} 有未知的设置 / unknown setting(s) in {path}: {', '.join(unknown)}; "
            f"known are {', '.join(sorted(_CONCERN_OF))}"
        )
    return dict(section)


def _validation_error(exc: msgspec.ValidationError, raw: Mapping[str, Any]) -> SettingsError:
    text = str(exc)
    match = re.search(r"at `\$(?:\.\w+)*\.(\w+)`", text)
    if match:
        field = match.group(1)
        reason = text.split(" - at ", maxsplit=1)[0]
        given = raw.get(field)
        if field in _SECRET_FIELDS:
            value = "(hidden)"
        else:
            value = repr(redact_url(given) if field in _URL_FIELDS and isinstance(given, str) else given)
        variable = _env_name(field)
        return SettingsError(f"配置错误：{variable} 取值无效 / bad setting {variable}={value}: {reason}")
    # __post_init__ raises SettingsError itself; msgspec wraps it as a ValidationError with that text.
    return SettingsError(text)

"""``certreg monitor URL``: a third-party monitor of a certreg log, over plain HTTP (stdlib ``urllib``).

Each run fetches the log's checkpoint, checks its signature against the pinned key (``--key``, or the key the
log announced on the first run: trust on first use), fetches a consistency proof from the last checkpoint it
accepted, and stores the new one in the state file. Exit 0: the log only grew. Exit 1: the log forked, was
rolled back or rewritten, or changed its key (the evidence is printed and kept in the state file). Exit 2:
the check could not be made (network, a bad answer, an unusable state file). After a legitimate rotation of
the log key (checked out of band), ``--accept-key NEW`` pins the new key; the change is recorded in the state
file, whose checkpoints and alarms stay, so the log must still extend what was seen under the old key.
"""

from __future__ import annotations

import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Final

import click
import msgspec

from registry.log.errors import NoteError
from registry.log.monitor import (
    Alarm,
    MonitorAlarmError,
    MonitorState,
    ProofFetcher,
    accept,
    accept_key,
    check_key,
)
from registry.log.note import NoteVerifier
from registry.log.service import ConsistencyView

MAX_BODY: Final = 1024 * 1024
TIMEOUT: Final = 15


class FetchError(Exception):
    """The log could not be asked, or answered something unusable."""


def fetch(url: str) -> bytes:
    """GET ``url``; raises :class:`FetchError` on a network error, a non-200 answer or an oversized body."""
    request = urllib.request.Request(url, headers={"User-Agent": "certreg-monitor"})  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            body: bytes = response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as exc:
        with exc:  # closes the answer's socket
            said = " ".join(exc.read(300).decode("utf-8", "replace").split())  # one line, whatever the page's layout
        raise FetchError(f"{url}: HTTP {exc.code} {said}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_BODY:
        raise FetchError(f"{url}: the answer is larger than {MAX_BODY} bytes")
    return body


def fetch_text(url: str) -> str:
    try:
        return fetch(url).decode("utf-8")
    except UnicodeDecodeError:
        raise FetchError(f"{url}: the answer is not UTF-8") from None


def proof_fetcher(base: str) -> ProofFetcher:
    """``(first, second) -> proof`` asking ``base``'s consistency route."""

    def _proof(first: int, second: int) -> list[bytes]:
        url = f"{base}/v1/log/proof/consistency?first={first}&second={second}"
        try:
            return msgspec.json.decode(fetch(url), type=ConsistencyView).proof
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise FetchError(f"{url}: not a consistency proof: {exc}") from None

    return _proof


def load_state(path: Path) -> MonitorState | None:
    if not path.exists():
        return None
    try:
        return msgspec.json.decode(path.read_bytes(), type=MonitorState)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise FetchError(f"状态文件不可用 / the state file {path} cannot be used: {exc}") from None


def save_state(path: Path, state: msgspec.Struct) -> None:
    """Write a state file (the monitor's or the auditor's) atomically: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(msgspec.json.format(msgspec.json.encode(state)) + b"\n")
    os.replace(temporary, path)


def pinned_state(base: str, state: MonitorState | None, key: str | None, new_key: str | None = None) -> MonitorState:
    """The state to check against: the stored one (its key must match ``--key``; ``--accept-key`` replaces
    it, recorded), or a new one pinning ``--key`` / ``--accept-key`` or, failing that, the key the log
    announces (trust on first use, said on stdout)."""
    if state is not None:
        if state.url != base:
            raise FetchError(f"状态文件属于另一个日志 / the state file is for {state.url}, not {base}")
        if new_key is not None:
            try:
                if accept_key(state, new_key):
                    click.echo(f"已接受新密钥 / accepted the new key: {state.verifier_key}")
            except NoteError as exc:
                raise FetchError(str(exc)) from None
            return state
        if key is not None and key.strip() != state.verifier_key:
            raise MonitorAlarmError(
                Alarm.KEY_CHANGED, f"--key {key.strip()} is not the key pinned in the state file: {state.verifier_key}"
            )
        return state
    key = key or new_key
    announced = key is None
    if key is None:
        key = fetch_text(f"{base}/v1/log/key")
    key = key.strip()
    try:  # before saying it is pinned; and what the log sent instead of a key is not echoed whole
        NoteVerifier.parse(key)
    except NoteError as exc:
        if announced:
            raise FetchError(f"{base}/v1/log/key: 答复不是日志验证公钥 / the answer is not a verifier key") from None
        raise FetchError(str(exc)) from None
    if announced:
        click.echo(f"首次使用即信任 / trust on first use: pinned the key the log announces: {key}")
    else:
        click.echo(f"已固定密钥 / pinned the key given: {key}")
    return MonitorState(url=base, verifier_key=key)


def check_once(base: str, state_path: Path, key: str | None, new_key: str | None = None) -> str:
    """One monitoring round; returns what to report. Raises :class:`MonitorAlarmError` or :class:`FetchError`."""
    stored = load_state(state_path)
    state = pinned_state(base, stored, key, new_key)
    try:
        if stored is not None:
            check_key(state, fetch_text(f"{base}/v1/log/key"))
        new, last = accept(state, fetch_text(f"{base}/v1/log/checkpoint"), proof_fetcher(base))
    except MonitorAlarmError as alarm:
        state.alarms.append(f"{alarm.alarm.value}: {alarm}")
        save_state(state_path, state)
        raise
    save_state(state_path, state)
    root = new.root_hash.hex()[:16]
    if last is None:
        return f"已记录首个检查点 / first checkpoint recorded: size {new.size}, root {root}…"
    if last.size == new.size:
        return f"无新检查点 / no new checkpoint: size {new.size}, root {root}…"
    return f"一致 / consistent: size {last.size} → {new.size}, root {root}…"


@click.command("monitor")
@click.argument("url")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("certreg-monitor.json"),
    show_default=True,
    help="记录已见检查点的文件 / file of the checkpoints seen so far.",
)
@click.option(
    "--key", default=None, help="日志验证公钥 / the log's verifier key (origin+keyid+base64) to pin instead of TOFU."
)
@click.option(
    "--accept-key",
    "new_key",
    default=None,
    help="接受日志密钥轮换 / accept a rotation of the log key: pin this new verifier key instead of the one in the"
    " state file "
    "(recorded there; the checkpoints seen must still be extended). Check the key out of band first.",
)
def monitor_command(url: str, state_path: Path, key: str | None, new_key: str | None) -> None:
    """监测日志只增不改 / Check that the log at URL only grew since the last run; exit 1 on a fork, rollback, rewrite
    or new key."""
    if not _log_url(url):
        raise click.BadParameter(
            "须为日志的 http:// 或 https:// 网址（不带查询串）/ the log's http:// or https:// URL, without a query",
            param_hint="URL",
        )
    if key is not None and new_key is not None:
        raise click.UsageError("--key 与 --accept-key 只能用一个 / give --key or --accept-key, not both")
    base = url.rstrip("/")
    try:
        click.echo(check_once(base, state_path, key, new_key))
    except MonitorAlarmError as alarm:
        click.echo(f"警报 / ALARM [{alarm.alarm.value}]: {alarm}", err=True)
        sys.exit(1)
    except FetchError as exc:
        click.echo(f"无法检查 / cannot check: {exc}", err=True)
        sys.exit(2)


def _log_url(url: str) -> bool:
    """An http(s) URL with a host and no query, fragment or credentials (the routes are appended to it);
    ``http://[::1`` made urllib raise a ValueError traceback."""
    try:
        parts = urllib.parse.urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and port_ok
        and not (parts.query or parts.fragment or parts.username or parts.password)
    )


COMMANDS = [monitor_command]

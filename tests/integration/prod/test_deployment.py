"""Deployment files, checked as far as this machine can without Docker: the image installs only hashed wheels
from the lock and has no compiler; compose runs a verify-only service, non-superuser roles, secrets through
files, a migration job, and keeps the issuer off public interfaces; ``.dockerignore`` keeps secrets and the
history out of the build. And a worker that cannot start says why."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.prod.processes import server_env
from tests.integration.verify.servers import ROOT, free_port

DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
LOCK = (ROOT / "requirements.lock").read_text()


def test_the_image_installs_hashed_wheels_only_and_has_no_compiler() -> None:
    assert "--require-hashes" in DOCKERFILE
    assert "--only-binary=:all:" in DOCKERFILE
    assert "requirements.lock" in DOCKERFILE
    for compiler in ("build-essential", "gcc", "g++", "clang", "apt-get install"):
        assert compiler not in DOCKERFILE, compiler
    assert re.search(r"^USER certreg$", DOCKERFILE, re.MULTILINE)
    assert "db upgrade" not in DOCKERFILE.split("CMD", 1)[1], "the app's command never migrates"


def test_the_lock_pins_every_runtime_dependency_with_a_hash() -> None:
    import tomllib

    pins = dict(re.findall(r"^([a-z0-9_.-]+)==(\S+) \\$", LOCK, re.MULTILINE))
    hashes = re.findall(r"--hash=sha256:[0-9a-f]{64}$", LOCK, re.MULTILINE)
    assert len(hashes) == len(pins) > 20
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower()
        assert name.replace("-", "_") in {p.replace("-", "_") for p in pins}, f"{name} is not in the lock"


BUILD_LOCK = (ROOT / "requirements-build.lock").read_text()


def _pins(lock: str) -> dict[str, str]:
    pins = dict(re.findall(r"^([a-z0-9_.-]+)==(\S+) \\$", lock, re.MULTILINE))
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}$", lock, re.MULTILINE)) == len(pins) > 0
    return pins


def test_the_image_builds_certregs_wheel_with_the_hash_pinned_backend_pyproject_asks_for() -> None:
    """The image's venv has setuptools 65 (ensurepip), which cannot read the SPDX ``license`` nor build a wheel
    without ``wheel``: the image builds with the backend of requirements-build.lock instead."""
    import tomllib

    pins = _pins(BUILD_LOCK)
    for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]:
        match = re.fullmatch(r"([a-z0-9_-]+)>=([0-9.]+)", requirement)
        assert match, requirement
        name, minimum = match.groups()
        assert name in pins, f"{name} is not in requirements-build.lock"
        version = tuple(int(part) for part in pins[name].split(".")[:3])
        assert version >= tuple(int(part) for part in minimum.split(".")), (name, pins[name], minimum)
    assert "--require-hashes --only-binary=:all: --no-deps -r requirements-build.lock" in DOCKERFILE
    assert "/opt/build/bin/pip wheel --no-deps --no-build-isolation" in DOCKERFILE
    assert "/opt/certreg/bin/pip install --no-deps --no-build-isolation ." not in DOCKERFILE


@pytest.mark.slow
def test_the_image_build_steps_make_a_wheel_with_the_templates_and_fonts(tmp_path: Path) -> None:
    """The Dockerfile's build stage, run here without Docker: a fresh venv (as the image makes one), the pinned
    backend from requirements-build.lock with its hashes, then ``pip wheel --no-build-isolation``."""
    venv = tmp_path / "build"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    lock = ["--require-hashes", "--only-binary=:all:", "--no-deps", "-r", str(ROOT / "requirements-build.lock")]
    subprocess.run([*pip, "install", *lock], check=True, capture_output=True)
    source = tmp_path / "src"
    assert "COPY pyproject.toml README.md ./" in DOCKERFILE
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("keys", "registry", "verify", "issuer"):  # the image's COPY lines
        assert f"COPY {name} ./{name}" in DOCKERFILE
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp_path / "dist"), str(source)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("certreg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "verify/http/templates/base.html" in names
    assert any(name.startswith("issuer/documents/fonts/") for name in names)
    assert "registry/rules/messages.toml" in names


def test_compose_least_privilege_and_secrets() -> None:
    services = COMPOSE["services"]
    assert {"migrate", "app", "verify", "postgres", "redis"} <= set(services)
    verify, app, migrate = services["verify"], services["app"], services["migrate"]
    assert verify["environment"]["CERTREG_APP"] == "verify.asgi:app"
    assert "KEY_PASSPHRASE" not in str(verify), "the verify service holds no private key"
    assert all(port.startswith("127.0.0.1:") for port in app["ports"]), "the issuer app is not published widely"
    assert "certreg db upgrade" in str(migrate["command"])
    assert "certreg db roles" in str(migrate["command"])
    assert migrate["restart"] == "no"
    for name in ("app", "verify"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        env = services[name]["environment"]
        assert env["CERTREG_DATABASE_URL_FILE"].startswith("/run/secrets/")
        assert "postgres:" not in str(env), f"{name} never connects as the superuser"
    assert "/run/secrets/issuer_url" in str(app)
    assert "/run/secrets/verify_url" in str(verify)
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|PASSPHRASE|SECRET|HASH_KEY", key):
                assert key.endswith("_FILE"), f"{name}: {key} is given in clear"
                assert str(value).startswith("/run/secrets/")


def test_the_verify_service_scales_as_its_comment_says_without_a_host_port_clash() -> None:
    """The compose file says `docker compose up --scale verify=3`; with one fixed host port ("8080:8000") the
    second replica could not start ("port is already allocated"). Each replica needs a host port of its own:
    a range at least as wide as the scale the comment shows, beginning at CERTREG_PUBLIC_URL's default port."""
    text = (ROOT / "docker-compose.yml").read_text()
    scale = int(re.search(r"--scale verify=(\d+)", text).group(1))  # type: ignore[union-attr]
    for mapping in COMPOSE["services"]["verify"]["ports"]:
        host, _, container = str(mapping).rpartition(":")
        assert container == "8000"
        first, _, last = host.rpartition(":")[2].partition("-")
        assert last, f"verify publishes one fixed host port ({mapping}): --scale verify={scale} cannot start"
        assert int(last) - int(first) + 1 >= scale
        assert first == "8080"  # the port of the default CERTREG_PUBLIC_URL
    assert "127.0.0.1:8080" in COMPOSE["x-certreg"]["environment"]["CERTREG_PUBLIC_URL"]


def test_dockerignore_keeps_secrets_and_history_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "secrets", "var", ".env", "*.key", "tests"} <= ignored


def test_a_worker_that_cannot_start_says_why(tmp_path: Path) -> None:
    """Issue 17: a uvicorn worker died silently at start-up. Here the schema is missing (a database nobody
    migrated): the worker's log names the reason before the process ends."""
    empty = tmp_path / "never-migrated.db"
    env = server_env({"database_url": f"sqlite+aiosqlite:///{empty}"})
    command = [sys.executable, "-m", "uvicorn", "verify.asgi:app", "--port", str(free_port()), "--workers", "2"]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=120, check=False)
    log = result.stderr.decode(errors="replace")
    assert "worker start-up failed" in log, log[-2000:]
    assert "certreg db upgrade" in log, "the reason says what to run"


@pytest.mark.parametrize("module", ["verify.asgi", "issuer.asgi"])
def test_a_bad_setting_stops_the_asgi_module_with_its_message_not_a_traceback(module: str) -> None:
    """``granian --interface asgi verify.asgi:app`` (README) with a bad setting printed a whole traceback."""
    env = {**server_env({}), "CERTREG_WORKERS": "abc"}
    command = [sys.executable, "-c", f"import {module}"]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=60, check=False)
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 2, stderr
    assert "配置错误：CERTREG_WORKERS 取值无效 / bad setting CERTREG_WORKERS='abc'" in stderr
    assert "Traceback" not in stderr


def _image_environment() -> dict[str, str]:
    """The ``ENV`` of the Dockerfile's runtime stage (``KEY=value`` pairs, continued over ``\\`` lines)."""
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    env: dict[str, str] = {}
    for block in re.findall(r"^ENV ((?:.*\\\n)*.*)$", runtime, re.MULTILINE):
        env.update(re.findall(r"(\w+)=(\S+)", block))
    return env


@pytest.mark.parametrize("service", ["migrate", "app", "verify"])
def test_every_certreg_variable_the_image_and_compose_set_is_accepted(service: str, tmp_path: Path) -> None:
    """The image sets ``CERTREG_APP`` (the app its command serves) and compose sets it per service; the settings
    refuse an unknown ``CERTREG_*`` name, so the container's app and every ``certreg`` command in it stopped at
    start-up with "unknown setting CERTREG_APP"."""
    from registry.config import load_settings

    compose_env = COMPOSE["services"][service]["environment"]
    env = {**_image_environment(), **{key: str(value) for key, value in compose_env.items()}}
    assert "CERTREG_APP" in env
    for key, value in env.items():  # ${VAR:-default} → its default; secrets → a file of a valid value
        env[key] = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
        if key.endswith("_FILE"):
            secret = tmp_path / key
            secret.write_text("sqlite+aiosqlite:///x.db" if "URL" in key else "a-secret-of-sixteen-characters")
            env[key] = str(secret)
    settings = load_settings(env)
    assert settings.server.workers == 4

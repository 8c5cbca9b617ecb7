"""The province profile is resolved once, at start-up, and passed (issue 11): ``get_profile`` (or a read of
``PROFILES``) is called only where a process starts, never inside a service, so every service of one process
works under the same profile and a test can hand a service any profile it likes."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("keys", "registry", "verify", "issuer")

#: Where the profile may be looked up: each is a start-up point (or the definition and the settings' own check).
START_UP_MODULES = {
    "registry/rules/profiles.py",  # defines get_profile
    "registry/config.py",  # rule 8's check of CERTREG_NOTICE_DAYS against the chosen profile, at load
    "issuer/app.py",  # the app factory (the demo-mode warning at start-up)
    "issuer/runtime.py",  # IssuerRuntime.profile, built in the app's lifespan
    "verify/runtime.py",  # VerifyRuntime, built in the app's lifespan
    "issuer/cli/_common.py",  # province(): once at the start of a command
}


def _lookups(path: Path) -> list[int]:
    """Lines of ``path`` that call ``get_profile`` or read ``PROFILES``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name == "get_profile":
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Name | ast.Attribute) and getattr(node, "id", getattr(node, "attr", "")) == "PROFILES"
        ):
            lines.append(node.lineno)
    return lines


def test_the_profile_is_looked_up_only_at_start_up() -> None:
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in START_UP_MODULES
        for line in _lookups(path)
    }
    assert not found, f"the profile is looked up outside start-up; pass the ProvinceProfile instead: {sorted(found)}"


def test_the_guard_sees_a_lookup(tmp_path: Path) -> None:
    """The check above would pass on a tree it could not read; it does see both forms of a lookup."""
    module = tmp_path / "service.py"
    module.write_text(
        "from registry.rules import profiles\nfrom registry.rules.profiles import PROFILES, get_profile\n\n"
        "a = get_profile('hunan')\nb = profiles.get_profile('hunan')\nc = PROFILES['hunan']\n",
        encoding="utf-8",
    )
    assert sorted(_lookups(module)) == [4, 5, 6]

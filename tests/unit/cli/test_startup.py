"""``certreg --version`` and ``--help`` import no command module and none of their libraries (SQLAlchemy,
litestar, the PDF renderer, …: 1.6 s of CPU they paid on every start), and ``certreg <command> …`` imports only
that command's modules. Checked on what a fresh interpreter has loaded (``sys.modules``), never on the clock."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest

from issuer.cli.table import COMMAND_TABLE

#: ``certreg ARGS``, then the names of the modules loaded when it ends, as the last line of stdout.
_PROBE = """
import atexit, json, sys
atexit.register(lambda: print("\\n" + json.dumps(sorted(sys.modules))))
{imports}
"""
COMMAND_MODULES = {f"issuer.cli.{module}" for entry in COMMAND_TABLE.values() for module in entry.modules}


def _loaded(imports: str, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    command = [sys.executable, "-c", _PROBE.format(imports=imports), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    return done, set(json.loads(done.stdout.strip().splitlines()[-1]))


def _packages(modules: set[str]) -> set[str]:
    """The top-level packages of ``modules`` that are not the standard library's."""
    return {name.split(".")[0] for name in modules} - set(sys.stdlib_module_names)


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["-h"], []])
def test_version_and_help_load_click_and_the_command_line_only(args: list[str]) -> None:
    _, bare = _loaded("import click")
    done, loaded = _loaded("from issuer.cli import main; main()", *args)
    assert "certreg" in done.stdout
    assert _packages(loaded) - _packages(bare) == {"issuer"}
    assert {name for name in loaded if name.startswith("issuer.")} == {
        "issuer.cli",
        "issuer.cli.pipe",
        "issuer.cli.table",
        "issuer.cli.usage",
    }


def test_the_version_is_printed_without_a_metadata_look_up() -> None:
    """``importlib.metadata`` was a third of ``certreg --version``; the version is ``issuer.__version__``, which
    the installed package's metadata is built from (pyproject.toml), so the two agree."""
    done, loaded = _loaded("from issuer.cli import main; main()", "--version")
    assert done.stdout.startswith(f"certreg {importlib.metadata.version('certreg')}\n")
    assert "importlib.metadata" not in loaded


@pytest.mark.parametrize(
    ("args", "modules"),
    [
        (["keys", "list", "--help"], {"keys"}),
        (["db", "--help"], {"db"}),
        (["verify-token", "--help"], {"offline"}),
        (["certificates", "--help"], {"certificates", "documents", "batches"}),  # documents adds to batches too
        # They act as the province admin (issuer.cli.operators), and load nothing of the command that issues.
        (["credentials", "--help"], {"credentials"}),
        (["feed", "--help"], {"feed"}),
        (["identity", "--help"], {"identity"}),
        (["legacy", "--help"], {"legacy"}),
    ],
)
def test_a_command_loads_its_own_modules_only(args: list[str], modules: set[str]) -> None:
    done, loaded = _loaded("from issuer.cli import main; main()", *args)
    assert done.returncode == 0, done.stderr
    assert loaded & COMMAND_MODULES == {f"issuer.cli.{module}" for module in modules}


#: What no command loads to start: the web app's stack (litestar, the app's runtime and plugin). Commands that
#: publish a checkpoint (``issuer.checkpoints``), act as an operator (``issuer.auth``) or check a reason
#: (``issuer.text_checks``) loaded all of it through those modules (0.2–0.9 s of CPU on every start).
WEB_APP = {"litestar", "issuer.runtime", "issuer.plugin", "issuer.app", "issuer.params", "issuer.auth.bearer"}


@pytest.mark.parametrize("command", sorted(COMMAND_TABLE))
def test_no_command_loads_the_web_app(command: str) -> None:
    done, loaded = _loaded("from issuer.cli import main; main()", command, "--help")
    assert done.returncode == 0, done.stderr
    assert loaded & WEB_APP == set()


@pytest.mark.parametrize("command", ["batches", "certificates", "demo", "issue", "issue-batch"])
def test_the_commands_that_announce_changes_load_redis_only_to_announce(command: str) -> None:
    """They tell the verify caches through Redis when ``CERTREG_REDIS_URL`` is set, after a change only."""
    done, loaded = _loaded("from issuer.cli import main; main()", command, "--help")
    assert done.returncode == 0, done.stderr
    assert {name for name in loaded if name.split(".")[0] == "redis"} == set()


def test_a_mistyped_command_is_matched_against_every_command() -> None:
    """Click suggests from the commands it has; in a fresh process none was loaded yet."""
    done, _ = _loaded("from issuer.cli import main; main()", "key")
    assert done.returncode == 2
    assert "没有命令 key / No such command 'key'. (Did you mean one of: 'apikeys', 'keys'?)" in done.stderr

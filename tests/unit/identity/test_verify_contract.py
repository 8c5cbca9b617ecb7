"""The verify app never holds a data key and never decrypts: none of its modules loads the code that can.

import-linter checks the static imports (contract "verify never holds a data key or decrypts an identity");
this test checks what a verify process really loads, in a fresh interpreter.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

#: Modules that hold or unwrap secret keys, or decrypt identities.
DECRYPTING = ("registry.identity.sealing", "keys.kek", "keys.sealing", "keys.aead", "keys.keyfile")

_PROBE = """
import importlib, json, pkgutil, sys
import verify
for found in pkgutil.walk_packages(verify.__path__, "verify."):
    if found.name != "verify.asgi":  # builds an app from the environment at import
        importlib.import_module(found.name)
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("name", DECRYPTING)
def test_the_forbidden_modules_exist(name: str) -> None:
    """A renamed module would make the check below pass vacuously."""
    importlib.import_module(name)


def test_a_verify_process_loads_no_decrypting_module() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "verify.app" in loaded
    assert [m for m in loaded if m.startswith(DECRYPTING)] == []

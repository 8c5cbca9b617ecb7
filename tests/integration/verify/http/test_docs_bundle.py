"""The Redoc bundle behind ``/schema`` is stored gzipped (``verify/http/static/README.md``): a browser that
accepts gzip gets it gzipped, any other client the same script unpacked, so the docs stay readable
offline whatever the client; the vendor's logo address is the one change to redoc's file."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from tests.integration.verify.world import World, verify_client
from verify.http.apidocs import REDOC_PATH

STORED = Path(__file__).parents[4] / "verify" / "http" / "static" / "redoc.standalone.js.gz"

#: sha256 of redoc 2.5.0's ``bundles/redoc.standalone.js`` (the file the README names).
REDOC_SHA256 = "0ec05be285ac885a330289b02f470e1bdbd2b6b3223a9fa213f24bf805a851d1"


async def test_the_docs_bundle_is_gzipped_for_a_browser_and_plain_for_other_clients(world: World) -> None:
    async with verify_client(world.database.url) as client:
        page = await client.get("/schema")
        zipped = await client.get(REDOC_PATH, headers={"accept-encoding": "gzip, deflate, br"})
        plain = await client.get(REDOC_PATH, headers={"accept-encoding": "identity"})
    assert page.status_code == 200
    assert REDOC_PATH in page.text
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    for answer in (zipped, plain):
        assert answer.headers["content-type"].startswith("application/javascript")
        assert answer.headers["vary"] == "Accept-Encoding"
        assert b"cdn.redoc.ly" not in answer.content  # httpx unpacks the gzipped one
        logo = answer.content.replace(b'src:"data:,"', b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', 1)
        assert hashlib.sha256(logo).hexdigest() == REDOC_SHA256
    assert int(zipped.headers["content-length"]) < len(plain.content) // 3


def test_the_stored_bundle_is_redoc_s_file_unchanged() -> None:
    assert hashlib.sha256(gzip.decompress(STORED.read_bytes())).hexdigest() == REDOC_SHA256

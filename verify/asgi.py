"""ASGI entry point of the stand-alone verify service (settings from CERTREG_* variables)."""

from registry.config import built_or_exit
from verify.app import create_app

app = built_or_exit(create_app)

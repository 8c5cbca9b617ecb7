"""ASGI entry point of the all-in-one service (settings from CERTREG_* variables)."""

from issuer.app import create_app
from registry.config import built_or_exit

app = built_or_exit(create_app)

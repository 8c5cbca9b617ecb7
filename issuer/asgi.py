"""ASGI entry point of the all-in-one service (settings from CERTREG_* variables)."""

from issuer.app import create_app

app = create_app()

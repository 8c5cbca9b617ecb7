"""ASGI entry point of the stand-alone verify service (settings from CERTREG_* variables)."""

from verify.app import create_app

app = create_app()

"""Jinja2 templates of the issuer's public pages (a package so the wheel ships them)."""

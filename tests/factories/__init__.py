"""The test factories (a package: issue 11 moves them onto the real issuing pipeline module by module)."""

from tests.factories.world import *  # noqa: F403

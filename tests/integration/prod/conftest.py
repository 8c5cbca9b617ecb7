"""The production tests use the read-path world (four certificates) of the verify tests."""

from tests.integration.verify.conftest import file_world, pg_world, world

__all__ = ["file_world", "pg_world", "world"]

"""Tests of the standards credentials machinery (registry/credentials)."""

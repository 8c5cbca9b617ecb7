"""Factories for tests (and benches): the seeded registry (:mod:`.world`), certificates issued through the
issuer's own numbering and signing (:mod:`.certificates`), and whole batches taken through the workflow's
services (:mod:`.batches`: upload → reviews → notice → issue), and bearer tokens made by the issuer's own
token service (:mod:`.tokens`)."""

from __future__ import annotations

from tests.factories.batches import issue_through_workflow
from tests.factories.certificates import (
    TestCertificate,
    add_keys,
    id_digest,
    issue_test_certificates,
    key_store,
)
from tests.factories.world import (
    CARER,
    CITY,
    ELECTRICIAN,
    EMBROIDERY,
    HOLDER_IDS,
    PROVINCE,
    SITE,
    SKILL_INSTITUTION,
    STATION,
    WELDER,
    seed_world,
)

__all__ = [
    "CARER",
    "CITY",
    "ELECTRICIAN",
    "EMBROIDERY",
    "HOLDER_IDS",
    "PROVINCE",
    "SITE",
    "SKILL_INSTITUTION",
    "STATION",
    "WELDER",
    "TestCertificate",
    "add_keys",
    "id_digest",
    "issue_test_certificates",
    "issue_through_workflow",
    "key_store",
    "seed_world",
]

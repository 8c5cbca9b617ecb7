"""Initial schema: reference data, filings, keys, batches, certificates, the event log, credentials.

Create Date: 2026-11-24 21:54:01.213164
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from registry.migrations.shared import create_table, id_reference, surrogate_key, timestamp

revision = "0001"
down_revision = None


def upgrade() -> None:

    create_table(
        "ability_project",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("pilot_ends", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        key=("code",),
    )
    create_table(
        "api_key",
        surrogate_key(),
        sa.Column("key_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=True),
        timestamp("created_at"),
        timestamp("revoked_at", nullable=True),
        unique=[("key_hash",)],
    )
    create_table(
        "api_token",
        surrogate_key(),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        timestamp("created_at"),
        timestamp("revoked_at", nullable=True),
        unique=[("token_hash",)],
    )
    create_table(
        "checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        timestamp("created_at"),
        key=("size",),
    )
    create_table(
        "event",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        timestamp("at"),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        key=("idx",),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_event_subject_idx", ["subject", "idx"], unique=False)

    create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(
        sa.table("log_head", sa.column("id", sa.Integer), sa.column("size", sa.BigInteger)),
        [{"id": 1, "size": 0}],
    )
    create_table(
        "merkle_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        key=("level", "index"),
    )
    create_table(
        "occupation",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("trade", sa.String(length=128), nullable=True),
        sa.Column("in_qualification_catalogue", sa.Boolean(), nullable=False),
        sa.Column("access_type", sa.Boolean(), nullable=False),
        sa.Column("levels", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        key=("code",),
    )
    create_table(
        "region",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("parent_code", sa.String(length=6), nullable=True),
        key=("code",),
        references={"parent_code": "region.code"},
    )
    create_table(
        "sequence_counter",
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        key=("scope",),
    )
    create_table(
        "authority",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        key=("code",),
        references={"region_code": "region.code"},
    )
    create_table(
        "institution",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=16), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("filing_authority_code", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=False),
        sa.Column("person_in_charge", sa.String(length=64), nullable=False),
        key=("code",),
        references={"filing_authority_code": "authority.code", "region_code": "region.code"},
        unique=[("uscc",)],
    )
    create_table(
        "public_key",
        sa.Column("kid", sa.String(length=11), nullable=False),
        sa.Column("authority_code", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        timestamp("valid_from"),
        key=("kid",),
        references={"authority_code": "authority.code"},
        unique=[("public_key",)],
    )
    with op.batch_alter_table("public_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_key_authority_code"), ["authority_code"], unique=False)

    create_table(
        "batch",
        surrogate_key(),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("authority_code", sa.String(length=16), nullable=True),
        sa.Column("file_name", sa.String(length=256), nullable=False),
        sa.Column("file_sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("bad_row_count", sa.Integer(), nullable=False),
        sa.Column("excluded_count", sa.Integer(), nullable=False),
        sa.Column("held_count", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        timestamp("created_at"),
        timestamp("notice_starts_at", nullable=True),
        timestamp("notice_ends_at", nullable=True),
        timestamp("issued_at", nullable=True),
        references={"authority_code": "authority.code", "institution_code": "institution.code"},
    )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_institution_code"), ["institution_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_batch_state"), ["state"], unique=False)

    create_table(
        "filing",
        surrogate_key(),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("filed_by", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        timestamp("created_at"),
        references={"filed_by": "authority.code", "institution_code": "institution.code"},
        unique=[("institution_code", "reference")],
    )
    with op.batch_alter_table("filing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_filing_institution_code"), ["institution_code"], unique=False)

    create_table(
        "key_status",
        surrogate_key(),
        sa.Column("kid", sa.String(length=11), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        timestamp("at"),
        sa.Column("scope", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        references={"kid": "public_key.kid"},
    )
    with op.batch_alter_table("key_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_status_kid"), ["kid"], unique=False)

    create_table(
        "batch_row",
        surrogate_key(),
        id_reference("batch_id"),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(length=64), nullable=False),
        sa.Column("holder_id_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("holder_id_masked", sa.String(length=20), nullable=False),
        sa.Column("subject_code", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        references={"batch_id": "batch.id"},
        unique=[("batch_id", "row_no")],
    )
    with op.batch_alter_table("batch_row", schema=None) as batch_op:
        batch_op.create_index("ix_batch_row_batch_status", ["batch_id", "status"], unique=False)

    create_table(
        "certificate",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("holder_name", sa.String(length=64), nullable=False),
        sa.Column("holder_id_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("holder_id_masked", sa.String(length=20), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_code", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("authority_code", sa.String(length=16), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        id_reference("batch_id", nullable=True),
        sa.Column("batch_row_no", sa.Integer(), nullable=True),
        sa.Column("supersedes", sa.String(length=32), nullable=True),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("kid", sa.String(length=11), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        timestamp("created_at"),
        key=("number",),
        references={
            "authority_code": "authority.code",
            "batch_id": "batch.id",
            "institution_code": "institution.code",
            "kid": "public_key.kid",
        },
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index("ix_certificate_batch", ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_certificate_holder", ["holder_id_digest", "kind", "subject_code", "level"], unique=False
        )

    create_table(
        "filing_scope",
        surrogate_key(),
        id_reference("filing_id"),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_code", sa.String(length=32), nullable=False),
        sa.Column("levels", sa.String(length=8), nullable=False),
        references={"filing_id": "filing.id"},
        unique=[("filing_id", "subject_type", "subject_code")],
    )
    create_table(
        "filing_status",
        surrogate_key(),
        id_reference("filing_id"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        timestamp("recorded_at"),
        references={"filing_id": "filing.id"},
    )
    with op.batch_alter_table("filing_status", schema=None) as batch_op:
        batch_op.create_index("ix_filing_status_filing_effective", ["filing_id", "effective_on"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("filing_status", schema=None) as batch_op:
        batch_op.drop_index("ix_filing_status_filing_effective")

    op.drop_table("filing_status")
    op.drop_table("filing_scope")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index("ix_certificate_holder")
        batch_op.drop_index("ix_certificate_batch")

    op.drop_table("certificate")
    with op.batch_alter_table("batch_row", schema=None) as batch_op:
        batch_op.drop_index("ix_batch_row_batch_status")

    op.drop_table("batch_row")
    with op.batch_alter_table("key_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_status_kid"))

    op.drop_table("key_status")
    with op.batch_alter_table("filing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filing_institution_code"))

    op.drop_table("filing")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_state"))
        batch_op.drop_index(batch_op.f("ix_batch_institution_code"))

    op.drop_table("batch")
    with op.batch_alter_table("public_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_key_authority_code"))

    op.drop_table("public_key")
    op.drop_table("institution")
    op.drop_table("authority")
    op.drop_table("sequence_counter")
    op.drop_table("region")
    op.drop_table("occupation")
    op.drop_table("merkle_node")
    op.drop_table("log_head")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_subject_idx")
        batch_op.drop_index(batch_op.f("ix_event_kind"))

    op.drop_table("event")
    op.drop_table("checkpoint")
    op.drop_table("api_token")
    op.drop_table("api_key")
    op.drop_table("ability_project")

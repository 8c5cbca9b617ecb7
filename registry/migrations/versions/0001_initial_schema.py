"""Initial schema: reference data, filings, keys, batches, certificates, the event log, credentials.

Create Date: 2026-11-24 21:54:01.213164
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:

    op.create_table(
        "ability_project",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("pilot_ends", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ability_project")),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_table(
        "checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_checkpoint")),
    )
    op.create_table(
        "event",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_event_subject_idx", ["subject", "idx"], unique=False)

    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    op.bulk_insert(
        sa.table("log_head", sa.column("id", sa.Integer), sa.column("size", sa.BigInteger)),
        [{"id": 1, "size": 0}],
    )
    op.create_table(
        "merkle_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "index", name=op.f("pk_merkle_node")),
    )
    op.create_table(
        "occupation",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("trade", sa.String(length=128), nullable=True),
        sa.Column("in_qualification_catalogue", sa.Boolean(), nullable=False),
        sa.Column("access_type", sa.Boolean(), nullable=False),
        sa.Column("levels", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_occupation")),
    )
    op.create_table(
        "region",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("parent_code", sa.String(length=6), nullable=True),
        sa.ForeignKeyConstraint(["parent_code"], ["region.code"], name=op.f("fk_region_parent_code_region")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_region")),
    )
    op.create_table(
        "sequence_counter",
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_sequence_counter")),
    )
    op.create_table(
        "authority",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"], name=op.f("fk_authority_region_code_region")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_authority")),
    )
    op.create_table(
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
        sa.ForeignKeyConstraint(
            ["filing_authority_code"],
            ["authority.code"],
            name=op.f("fk_institution_filing_authority_code_authority"),
        ),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"], name=op.f("fk_institution_region_code_region")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_institution")),
        sa.UniqueConstraint("uscc", name=op.f("uq_institution_uscc")),
    )
    op.create_table(
        "public_key",
        sa.Column("kid", sa.String(length=11), nullable=False),
        sa.Column("authority_code", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_code"], ["authority.code"], name=op.f("fk_public_key_authority_code_authority")
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_public_key")),
        sa.UniqueConstraint("public_key", name=op.f("uq_public_key_public_key")),
    )
    with op.batch_alter_table("public_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_key_authority_code"), ["authority_code"], unique=False)

    op.create_table(
        "batch",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["authority_code"], ["authority.code"], name=op.f("fk_batch_authority_code_authority")),
        sa.ForeignKeyConstraint(
            ["institution_code"], ["institution.code"], name=op.f("fk_batch_institution_code_institution")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
    )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_institution_code"), ["institution_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_batch_state"), ["state"], unique=False)

    op.create_table(
        "filing",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("filed_by", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["filed_by"], ["authority.code"], name=op.f("fk_filing_filed_by_authority")),
        sa.ForeignKeyConstraint(
            ["institution_code"], ["institution.code"], name=op.f("fk_filing_institution_code_institution")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filing")),
        sa.UniqueConstraint("institution_code", "reference", name=op.f("uq_filing_institution_code")),
    )
    with op.batch_alter_table("filing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_filing_institution_code"), ["institution_code"], unique=False)

    op.create_table(
        "key_status",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kid", sa.String(length=11), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["kid"], ["public_key.kid"], name=op.f("fk_key_status_kid_public_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_status")),
    )
    with op.batch_alter_table("key_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_status_kid"), ["kid"], unique=False)

    op.create_table(
        "batch_row",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(length=64), nullable=False),
        sa.Column("holder_id_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("holder_id_masked", sa.String(length=20), nullable=False),
        sa.Column("subject_code", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_batch_row_batch_id_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_row")),
        sa.UniqueConstraint("batch_id", "row_no", name=op.f("uq_batch_row_batch_id")),
    )
    with op.batch_alter_table("batch_row", schema=None) as batch_op:
        batch_op.create_index("ix_batch_row_batch_status", ["batch_id", "status"], unique=False)

    op.create_table(
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
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("batch_row_no", sa.Integer(), nullable=True),
        sa.Column("supersedes", sa.String(length=32), nullable=True),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("kid", sa.String(length=11), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_code"], ["authority.code"], name=op.f("fk_certificate_authority_code_authority")
        ),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_certificate_batch_id_batch")),
        sa.ForeignKeyConstraint(
            ["institution_code"],
            ["institution.code"],
            name=op.f("fk_certificate_institution_code_institution"),
        ),
        sa.ForeignKeyConstraint(["kid"], ["public_key.kid"], name=op.f("fk_certificate_kid_public_key")),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_certificate")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index("ix_certificate_batch", ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_certificate_holder", ["holder_id_digest", "kind", "subject_code", "level"], unique=False
        )

    op.create_table(
        "filing_scope",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("filing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_code", sa.String(length=32), nullable=False),
        sa.Column("levels", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["filing_id"], ["filing.id"], name=op.f("fk_filing_scope_filing_id_filing")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filing_scope")),
        sa.UniqueConstraint("filing_id", "subject_type", "subject_code", name=op.f("uq_filing_scope_filing_id")),
    )
    op.create_table(
        "filing_status",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("filing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["filing_id"], ["filing.id"], name=op.f("fk_filing_status_filing_id_filing")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filing_status")),
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

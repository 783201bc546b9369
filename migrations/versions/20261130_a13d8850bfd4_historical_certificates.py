"""Historical certificates: results from before the platform, imported from DLA's records in
import batches (file name, SHA-256, who, when, rows). A historical certificate has no decision,
assessment, signed payload or signature; every other certificate must have them all (a named
check). Serials widen to 64 characters for numbers as they were printed then.

On SQLite the certificates table is rebuilt (batch mode); its rows are copied with their ids,
and the KPI summary rows that point at them (whose foreign key cascades when the old table is
dropped) are put back afterwards.

Revision ID: a13d8850bfd4
Revises: 5a1e2f0c7d3b
Create Date: 2026-11-30 14:04:23.260705

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a13d8850bfd4'
down_revision = '5a1e2f0c7d3b'
branch_labels = None
depends_on = None

ISSUED_IS_SIGNED = (
    "is_historical OR (decision_id IS NOT NULL AND assessment_id IS NOT NULL "
    "AND payload IS NOT NULL AND payload_sha256 IS NOT NULL "
    "AND signature IS NOT NULL AND key_id IS NOT NULL)")
HISTORICAL_HAS_BATCH = (
    "(is_historical AND import_batch_id IS NOT NULL AND decision_id IS NULL "
    "AND assessment_id IS NULL AND signature IS NULL) "
    "OR (NOT is_historical AND import_batch_id IS NULL)")
KEEP = "_kpi_lgo_standard_years_keep"


def _keep_summary_rows():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TEMPORARY TABLE {KEEP} AS SELECT * FROM kpi_lgo_standard_years")


def _restore_summary_rows():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"""
            INSERT INTO kpi_lgo_standard_years
            SELECT k.* FROM {KEEP} k
            WHERE NOT EXISTS (SELECT 1 FROM kpi_lgo_standard_years s
                              WHERE s.lgo_id = k.lgo_id AND s.standard_code = k.standard_code
                                AND s.fiscal_year = k.fiscal_year)
              AND EXISTS (SELECT 1 FROM certificates c WHERE c.id = k.certificate_id)""")
        op.execute(f"DROP TABLE {KEEP}")


def upgrade():
    op.create_table('certificate_import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('created_count >= 0 AND created_count <= row_count', name=op.f('ck_certificate_import_batches_counts_in_order')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_certificate_import_batches_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_import_batches')),
    sa.UniqueConstraint('file_sha256', name=op.f('uq_certificate_import_batches_file_sha256'))
    )
    with op.batch_alter_table('certificate_import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_import_batches_imported_by_id'), ['imported_by_id'], unique=False)

    _keep_summary_rows()
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_historical', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
        batch_op.alter_column('serial',
               existing_type=sa.VARCHAR(length=32),
               type_=sa.String(length=64),
               existing_nullable=False)
        for column, kind in (('decision_id', sa.INTEGER()), ('assessment_id', sa.INTEGER()),
                             ('payload', sa.TEXT()), ('payload_sha256', sa.VARCHAR(length=64)),
                             ('signature', sa.VARCHAR(length=120)),
                             ('key_id', sa.VARCHAR(length=16))):
            batch_op.alter_column(column, existing_type=kind, nullable=True)
        batch_op.create_index(batch_op.f('ix_certificates_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_certificates_import_batch_id_certificate_import_batches'), 'certificate_import_batches', ['import_batch_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_check_constraint('issued_is_signed', ISSUED_IS_SIGNED)
        batch_op.create_check_constraint('historical_has_batch', HISTORICAL_HAS_BATCH)
    _restore_summary_rows()


def downgrade():
    historical = op.get_bind().execute(
        sa.text("SELECT count(*) FROM certificates WHERE is_historical")).scalar_one()
    if historical:
        raise RuntimeError(
            f"{historical} historical certificates would be lost: the earlier schema cannot "
            "hold them. Delete them (and their import batches) first if that is intended.")
    _keep_summary_rows()
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_certificates_historical_has_batch'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_certificates_issued_is_signed'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_certificates_import_batch_id_certificate_import_batches'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificates_import_batch_id'))
        for column, kind in (('key_id', sa.VARCHAR(length=16)),
                             ('signature', sa.VARCHAR(length=120)),
                             ('payload_sha256', sa.VARCHAR(length=64)), ('payload', sa.TEXT()),
                             ('assessment_id', sa.INTEGER()), ('decision_id', sa.INTEGER())):
            batch_op.alter_column(column, existing_type=kind, nullable=False)
        batch_op.alter_column('serial',
               existing_type=sa.String(length=64),
               type_=sa.VARCHAR(length=32),
               existing_nullable=False)
        batch_op.drop_column('import_batch_id')
        batch_op.drop_column('is_historical')
    _restore_summary_rows()

    with op.batch_alter_table('certificate_import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_import_batches_imported_by_id'))

    op.drop_table('certificate_import_batches')

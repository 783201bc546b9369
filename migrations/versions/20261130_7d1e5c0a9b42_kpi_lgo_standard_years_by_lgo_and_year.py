"""An index on the KPI summary's certificates by LGO and fiscal year, so a province's dashboard
reads its LGOs' certificates of one year per LGO (a few hundred lookups) instead of every LGO's
of that year in the country and keeping the province's: for province 30 at national scale,
SQLite 42 -> 2.5 ms. PostgreSQL's planner takes it (index-only) once the table has been
vacuumed, as autovacuum does after a load: 15 -> about 5 ms.

Revision ID: 7d1e5c0a9b42
Revises: c8347f41cd13
Create Date: 2026-11-30 17:00:00

"""
from alembic import op


revision = '7d1e5c0a9b42'
down_revision = 'c8347f41cd13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_kpi_lgo_standard_years_lgo_fy", "kpi_lgo_standard_years",
                    ["lgo_id", "fiscal_year", "standard_code", "certificate_id"])


def downgrade():
    op.drop_index("ix_kpi_lgo_standard_years_lgo_fy", table_name="kpi_lgo_standard_years")

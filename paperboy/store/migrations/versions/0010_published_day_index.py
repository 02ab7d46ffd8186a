"""An index on the day search's date filters compare (`year:2024`, `from:… to:…`), on
PostgreSQL: the day of v1, else of the announcement or listing (store/search.py's
`PUBLISHED_DAY`). Without it the planner could not tell how many papers a date range
passes, and a filtered query read every paper's dates (at 200,000 papers, 300 ms for a dense
query under `year:2025`). SQLite reads the filter once per snapshot of the index, so it
goes without.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"

# As `PUBLISHED_DAY` compiles on PostgreSQL (store/dialect.py), for the planner to match it.
PUBLISHED_DAY = ("coalesce(CAST((published AT TIME ZONE 'UTC') AS DATE), announced, "
                 "listing_date)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_papers_published_day ON papers (({PUBLISHED_DAY}))")

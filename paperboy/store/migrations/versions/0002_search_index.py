"""What search keeps per paper: its terms and its embedding; papers indexed by change time.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from paperboy.store.schema import UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_index("ix_papers_modified_at", "papers", ["modified_at"])
    op.create_table(
        "paper_index",
        sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("terms", sa.LargeBinary, nullable=False),
        sa.Column("model", sa.String(64)),
        sa.Column("vector", sa.LargeBinary),
        sa.Column("indexed_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_paper_index_indexed_at", "paper_index", ["indexed_at"])

"""What each digest held, so that the next one holds what is new since: its cut-off (when its
papers were chosen) and the papers it showed (docs/mail.md).

Digests sent before keep no cut-off: a reader's next digest is then made as a first one is.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from paperboy.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("cutoff", UTCDateTime))
    op.create_table(
        "delivery_papers",
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("deliveries.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"),
                  primary_key=True),
    )
    op.create_index("ix_delivery_papers_paper_id", "delivery_papers", ["paper_id"])

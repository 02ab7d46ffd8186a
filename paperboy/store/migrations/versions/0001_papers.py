"""Papers (authors and versions as JSON), their categories, ingest runs, fetch checkpoints.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from paperboy.store.schema import UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(64), nullable=False, unique=True),
        sa.Column("arxiv_id", sa.String(32), unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("authors", sa.Text, nullable=False),
        sa.Column("authors_count", sa.Integer),
        sa.Column("primary_category", sa.String(32)),
        sa.Column("version", sa.Integer),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("published", UTCDateTime),
        sa.Column("updated", UTCDateTime),
        sa.Column("announced", sa.Date),
        sa.Column("listing_date", sa.Date),
        sa.Column("comments", sa.Text),
        sa.Column("journal_ref", sa.Text),
        sa.Column("doi", sa.Text),
        sa.Column("license", sa.Text),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("abs_url", sa.Text),
        sa.Column("pdf_url", sa.Text),
        sa.Column("code_url", sa.Text),
        sa.Column("project_url", sa.Text),
        sa.Column("org", sa.Text),
        sa.Column("upvotes", sa.Integer),
        sa.Column("num_comments", sa.Integer),
        sa.Column("submitted_by", sa.Text),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
    )
    for column in ("primary_category", "published", "announced", "listing_date"):
        op.create_index(f"ix_papers_{column}", "papers", [column])
    op.create_table(
        "paper_categories",
        sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("category", sa.String(32), nullable=False),
    )
    op.create_index("ix_paper_categories_category", "paper_categories", ["category"])
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("format", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "fetch_checkpoints",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )

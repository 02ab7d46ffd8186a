"""The community: users, API tokens, votes, comments, collections, reads, rate limits.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from paperboy.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("papers", sa.Column("local_upvotes", sa.Integer, nullable=False,
                                      server_default="0"))
    op.add_column("papers", sa.Column("local_comments", sa.Integer, nullable=False,
                                      server_default="0"))
    op.add_column("papers", sa.Column("hidden_at", UTCDateTime))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(32), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("suspended_at", UTCDateTime),
        sa.Column("confirmed_at", UTCDateTime),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_used_at", UTCDateTime),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "votes",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_votes_paper_id", "votes", ["paper_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("comments.id", ondelete="SET NULL")),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("edited_at", UTCDateTime),
        sa.Column("deleted_at", UTCDateTime),
        sa.Column("hidden_at", UTCDateTime),
    )
    op.create_index("ix_comments_paper_id", "comments", ["paper_id"])
    op.create_index("ix_comments_user_id", "comments", ["user_id"])
    op.create_index("ix_comments_parent_id", "comments", ["parent_id"])
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("user_id", "slug", name="uq_collections_user_slug"),
    )
    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.Integer,
                  sa.ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("added_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_collection_items_paper_id", "collection_items", ["paper_id"])
    op.create_table(
        "reads",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("paper_id", sa.Integer, sa.ForeignKey("papers.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("read_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("window_start", UTCDateTime, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
    )

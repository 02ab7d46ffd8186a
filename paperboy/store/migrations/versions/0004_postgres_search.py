"""PostgreSQL search objects (tsvector, pgvector); nothing on SQLite.

Revision ID: 0004
Revises: 0003
"""

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    pass  # filled in by the PostgreSQL backend work (issue 8)

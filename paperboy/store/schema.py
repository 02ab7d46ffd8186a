"""Table definitions used by the queries in this package.

The DDL that creates them lives in the append-only migrations (`migrations/versions/`);
a test checks the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, whatever the engine stores.

    SQLite gets fixed-width ISO text ('2024-01-02 03:04:05.000000', sorting as time does),
    formatted here because SQLAlchemy's own SQLite datetime processing is a bulk-import hot spot.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: paperboy stores UTC only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

papers = Table(
    "papers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(64), nullable=False, unique=True),
    Column("arxiv_id", String(32), unique=True),
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False),
    Column("authors", Text, nullable=False),  # JSON: [[name, affiliation or null], ...]
    Column("authors_count", Integer),
    Column("primary_category", String(32), index=True),
    Column("version", Integer),
    Column("versions", Text, nullable=False),  # JSON: [[number, ISO datetime], ...]
    Column("published", UTCDateTime, index=True),
    Column("updated", UTCDateTime),
    Column("announced", Date, index=True),
    Column("listing_date", Date, index=True),
    Column("comments", Text),
    Column("journal_ref", Text),
    Column("doi", Text),
    Column("license", Text),
    Column("withdrawn", Boolean, nullable=False),
    Column("abs_url", Text),
    Column("pdf_url", Text),
    Column("code_url", Text),
    Column("project_url", Text),
    Column("org", Text),
    Column("upvotes", Integer),
    Column("num_comments", Integer),
    Column("submitted_by", Text),
    Column("source", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("modified_at", UTCDateTime, nullable=False, index=True),
    # What this hub's own users did, beside the counts imported from a daily-papers listing;
    # kept in step with `votes` and `comments` in the same transaction.
    Column("local_upvotes", Integer, nullable=False, server_default="0"),
    Column("local_comments", Integer, nullable=False, server_default="0"),
    Column("hidden_at", UTCDateTime),  # hidden by an admin: out of listings, search and feeds
)

paper_categories = Table(
    "paper_categories",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("category", String(32), nullable=False, index=True),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("format", String(32)),
    Column("status", String(16), nullable=False),  # running, ok, failed
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("new", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("error", Text),
)

# Authors and versions live as JSON on the paper row (read and written whole, never queried
# alone); categories get their own table because listings and search filter on them.

# What search keeps per paper, derived from its text: its terms (packed, see search/text.py) and
# its embedding. Deleted with the paper's text changes, in the same transaction.
paper_index = Table(
    "paper_index",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("terms", LargeBinary, nullable=False),
    Column("model", String(64)),
    Column("vector", LargeBinary),
    Column("indexed_at", UTCDateTime, nullable=False, index=True),
)

# Where a resumable fetch (an OAI-PMH harvest) stopped: a JSON document per key.
fetch_checkpoints = Table(
    "fetch_checkpoints",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The community (migration 0003). Names are lowercase handles; emails are stored lowercased.
# `session_epoch` is bumped to end every session of a user (password change, log out everywhere).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(32), nullable=False, unique=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", Text),  # None: a digest-only subscriber who never signed up
    Column("is_admin", Boolean, nullable=False, server_default=false()),
    Column("suspended_at", UTCDateTime),
    Column("confirmed_at", UTCDateTime),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("session_epoch", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("name", String(64), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
)

votes = Table(
    "votes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True,
           index=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# A deleted comment with replies keeps its place in the thread (body gone, `deleted_at` set);
# a deleted account leaves its comments ownerless.
comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), index=True),
    Column("parent_id", Integer, ForeignKey("comments.id", ondelete="SET NULL"), index=True),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    Column("deleted_at", UTCDateTime),
    Column("hidden_at", UTCDateTime),
)

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("slug", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("public", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "slug", name="uq_collections_user_slug"),
)

collection_items = Table(
    "collection_items",
    metadata,
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"),
           primary_key=True),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True,
           index=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("added_at", UTCDateTime, nullable=False),
)

reads = Table(
    "reads",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("read_at", UTCDateTime, nullable=False),
)

# Fixed-window counters for rate limits, in the database so every web process shares them.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window_start", UTCDateTime, nullable=False),
    Column("hits", Integer, nullable=False),
)

# Delivery (migration 0005): subscriptions, digest settings, the send ledger, scheduled jobs.
# `kind` is query, author, category, trending or recommended; `value` what it follows ("" for
# recommended, N for trending).
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("kind", String(16), nullable=False),
    Column("value", String(500), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "kind", "value", name="uq_subscriptions_user_kind_value"),
)

# One row per user who has set anything; users without one get the defaults (store/digests.py).
digest_settings = Table(
    "digest_settings",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("frequency", String(16), nullable=False, server_default="daily-weekdays"),
    Column("hour", Integer, nullable=False, server_default="7"),  # in users.timezone
    Column("weekday", Integer, nullable=False, server_default="0"),  # weekly: 0 Monday
    Column("paused", Boolean, nullable=False, server_default=false()),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The send ledger: one row per mail that must go out exactly once (a digest per user and
# period, a sign-up confirmation). A row is claimed with a lease (`status` sending,
# `lease_until`) so two senders never send it both and a crashed sender's row is taken again.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # digest, confirm, manage, password
    # digest: last day covered; the others a stamp (mail/links.py)
    Column("period", String(32), nullable=False),
    # pending, sending, sent, empty (nothing to send), retry (temporary failure), failed
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("papers", Integer, nullable=False, server_default="0"),
    Column("message_id", String(255)),
    Column("lease_until", UTCDateTime),
    Column("next_attempt_at", UTCDateTime),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    # digest (migration 0007): when its papers were chosen; the next digest holds the papers
    # stored after it (mail/scope.py). None: sent before cut-offs were kept
    Column("cutoff", UTCDateTime),
    UniqueConstraint("user_id", "kind", "period", name="uq_deliveries_user_kind_period"),
)

# The papers a sent digest showed (migration 0007): no later digest shows them to that reader.
delivery_papers = Table(
    "delivery_papers",
    metadata,
    Column("delivery_id", Integer, ForeignKey("deliveries.id", ondelete="CASCADE"),
           primary_key=True),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

# Scheduled jobs: one row per job name, claimed by a worker with a lease that expires, so a
# killed worker's job is taken again; `attempts` counts failures in a row (for the backoff).
jobs = Table(
    "jobs",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("due_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(128)),
    Column("lease_until", UTCDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_status", String(16)),  # ok, failed
    Column("last_error", Text),
    Column("last_started_at", UTCDateTime),
    Column("last_finished_at", UTCDateTime),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job", String(64), nullable=False, index=True),
    Column("owner", String(128), nullable=False),
    Column("status", String(16), nullable=False),  # running, ok, failed
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("summary", Text),  # JSON
    Column("error", Text),
)

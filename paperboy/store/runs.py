"""The ingest log (every import or harvest) and fetch checkpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from paperboy.store.papers import Counts
from paperboy.store.schema import fetch_checkpoints, ingest_runs


def start_run(conn: Connection, source: str, fmt: str | None) -> int:
    result = conn.execute(insert(ingest_runs).values(
        source=source[:2000], format=fmt, status="running", started_at=datetime.now(UTC),
        new=0, updated=0, unchanged=0, rejected=0,
    ))
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def finish_run(conn: Connection, run_id: int, counts: Counts, error: str | None = None) -> None:
    conn.execute(update(ingest_runs).where(ingest_runs.c.id == run_id).values(
        status="failed" if error else "ok", finished_at=datetime.now(UTC), error=error,
        **counts.as_dict(),
    ))


def recent_runs(conn: Connection, limit: int = 20) -> list[dict[str, Any]]:
    query = select(ingest_runs).order_by(ingest_runs.c.id.desc()).limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]


def load_checkpoint(conn: Connection, key: str) -> dict[str, Any] | None:
    state = conn.execute(select(fetch_checkpoints.c.state)
                         .where(fetch_checkpoints.c.key == key)).scalar_one_or_none()
    return json.loads(state) if state else None


def save_checkpoint(conn: Connection, key: str, state: dict[str, Any]) -> None:
    conn.execute(delete(fetch_checkpoints).where(fetch_checkpoints.c.key == key))
    conn.execute(insert(fetch_checkpoints).values(
        key=key, state=json.dumps(state), updated_at=datetime.now(UTC)))


def clear_checkpoint(conn: Connection, key: str) -> None:
    conn.execute(delete(fetch_checkpoints).where(fetch_checkpoints.c.key == key))

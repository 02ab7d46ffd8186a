"""Lexical ranking inside PostgreSQL: the weighted tsvector `papers.search_document` (migration
0004) and its GIN index.

BM25 in spirit: a paper scores per query word that word's idf times `ts_rank` with field
weights like BM25F's, summed (docs/search-quality.md, "On PostgreSQL"). The GIN index only
finds papers; scoring one means reading its tsvector, so the work is bounded by choosing which
papers to score from how many hold each word (the planner's statistics, cached per analysis):

- some query words are rare: the papers holding any of the rarest, up to `CANDIDATE_BUDGET`;
- every word is common ("the code is available"): the papers holding the rarest ones all
  together, as many words as bring the estimate under the budget;
- and never more than `SCAN_CAP` papers, whatever the estimate said.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

Allowed = Select[Any] | None  # a query for the ids a result may have (None: any)
Ranked = list[tuple[int, float]]  # (paper id, score), best first

# ts_rank weights for D, C, B, A: title A 1, abstract B 1/3, authors C 1/6 (BM25F's 3 : 1 : .5).
WEIGHTS = "{0.1, 0.167, 0.333, 1.0}"
# Rank normalisation 1: divide by 1 + log(document length), as BM25 discounts long documents.
NORMALISATION = 1
CANDIDATE_BUDGET = 1_000  # papers a query should score, by the estimate
SCAN_CAP = 1_000  # papers a query scores, at most
FUZZY_LIMIT = 5_000  # papers of one word the GIN index hands out, about (see _bounded_index_scan)
SCORED_TERMS = 20  # lexemes of a query that count towards a score, at most (10: -4 points)
PRESELECT = 2  # candidates scored in full per result asked for
MIN_DEPTH = 100

_papers = Table("papers", MetaData(), Column("id", Integer, primary_key=True),
                Column("search_document", TSVECTOR))


@dataclass(frozen=True)
class LexicalQuery:
    """What lexical ranking needs from a query: a weight per lexeme (idf times how often the
    query says it), and which papers to score: those holding any (or, if `require_all`,
    every) lexeme of `candidates`."""

    weights: dict[str, float]
    candidates: tuple[str, ...]
    require_all: bool
    candidate_count: float  # papers holding the candidates (an estimate)


def lexical_query(conn: Connection, query_text: str) -> LexicalQuery | None:
    """None: the query has no searchable word (only stop words, say)."""
    terms = query_terms(conn, query_text)
    if not terms:
        return None
    total, counts = document_counts(conn, list(terms))
    weights = {lexeme: math.log(1 + (total - counts[lexeme] + 0.5) / (counts[lexeme] + 0.5))
               * count for lexeme, count in terms.items()}
    # The heaviest lexemes only: each costs a ts_rank call per paper scored, the light ones
    # (idf near 0) move no result.
    weights = dict(sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:SCORED_TERMS])
    by_rarity = sorted(weights, key=lambda lexeme: (counts[lexeme], lexeme))
    if counts[by_rarity[0]] > CANDIDATE_BUDGET and len(by_rarity) > 1:
        return LexicalQuery(weights, *_all_of_rarest(by_rarity, counts, total))
    return LexicalQuery(weights, *_any_of_rarest(by_rarity, counts))


def _any_of_rarest(by_rarity: list[str], counts: dict[str, float]
                   ) -> tuple[tuple[str, ...], bool, float]:
    chosen: list[str] = []
    covered = 0.0
    for lexeme in by_rarity:
        if chosen and covered + counts[lexeme] > CANDIDATE_BUDGET:
            break
        chosen.append(lexeme)
        covered += counts[lexeme]
    return tuple(chosen), False, covered


def _all_of_rarest(by_rarity: list[str], counts: dict[str, float], total: float
                   ) -> tuple[tuple[str, ...], bool, float]:
    """As many of the rarest lexemes as bring the papers holding them all under the budget,
    estimated as if words occurred independently (they do not: hence `SCAN_CAP`)."""
    chosen: list[str] = []
    estimate = total
    for lexeme in by_rarity:
        chosen.append(lexeme)
        estimate *= counts[lexeme] / max(total, 1.0)
        if estimate <= CANDIDATE_BUDGET:
            break
    return tuple(chosen), True, estimate


def query_terms(conn: Connection, query_text: str) -> dict[str, int]:
    """The query's lexemes (stemmed as the documents are), with how often each occurs."""
    rows = conn.execute(text("SELECT lexeme, cardinality(positions) "
                             "FROM unnest(to_tsvector('english', :q))"),
                        {"q": query_text.replace("\x00", " ")})
    return {lexeme: max(int(count), 1) for lexeme, count in rows}


def document_counts(conn: Connection, lexemes: Sequence[str]) -> tuple[float, dict[str, float]]:
    """How many papers there are, and how many hold each lexeme: from the planner's statistics
    when the table was analysed (a lexeme outside its most common ones counts as rare), else
    counted."""
    total, statistics = _statistics(conn)
    if statistics is not None:
        common, floor = statistics
        return total, {lexeme: common.get(lexeme, floor / 2) * total for lexeme in lexemes}
    return total, {lexeme: float(conn.execute(
        select(func.count()).select_from(_papers)
        .where(_papers.c.search_document.bool_op("@@")(_tsquery([lexeme], "|")))).scalar_one())
        for lexeme in lexemes}


def lexical_top(conn: Connection, query: LexicalQuery, allowed: Allowed, limit: int) -> Ranked:
    """Papers holding the query's candidate lexemes, best first (ties: lower id).

    Many candidates are first cut to the `PRESELECT` times `limit` best by one plain
    `ts_rank` over the candidate lexemes (one call per paper instead of one per lexeme).
    """
    joiner = "&" if query.require_all else "|"
    condition: Any = _papers.c.search_document.bool_op("@@")(_tsquery(query.candidates, joiner))
    if allowed is not None:
        condition = and_(condition, _papers.c.id.in_(allowed))
    kept = max(limit, MIN_DEPTH) * PRESELECT
    if query.candidate_count > kept or query.require_all:
        scanned = (select(_papers.c.id, _papers.c.search_document).where(condition)
                   .limit(SCAN_CAP).subquery("scanned"))
        cheap = func.ts_rank(text(f"'{WEIGHTS}'::float4[]"), scanned.c.search_document,
                             _tsquery(list(query.weights), "|"), NORMALISATION)
        preselected = select(scanned.c.id).order_by(cheap.desc()).limit(kept)
        with _bounded_index_scan(conn):
            chosen = list(conn.execute(preselected).scalars())
        condition = _papers.c.id.in_(chosen)
    found, score = _scored(query, condition)
    ranked = select(found.c.id, score).order_by(score.desc(), found.c.id).limit(limit)
    return [(int(i), float(s)) for i, s in conn.execute(ranked)]


@contextmanager
def _bounded_index_scan(conn: Connection) -> Iterator[None]:
    """Within it, the candidates come from the GIN index, which hands out at most about
    `FUZZY_LIMIT` of a word's papers (a random sample, `gin_fuzzy_search_limit`): reading
    every paper id of a common word ("code": a fifth of a million papers) costs more than
    the whole query may. Without the index (a scan until `SCAN_CAP` papers match) a common
    word costs as much."""
    conn.execute(text(f"SET LOCAL gin_fuzzy_search_limit = {FUZZY_LIMIT}"))
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        yield
    finally:
        conn.execute(text("SET LOCAL gin_fuzzy_search_limit = 0"))
        conn.execute(text("SET LOCAL enable_seqscan = on"))


def lexical_scores(conn: Connection, query: LexicalQuery, paper_ids: Sequence[int]
                   ) -> dict[int, float]:
    """The lexical score of each of these papers that holds any lexeme of the query."""
    if not paper_ids:
        return {}
    condition = and_(_papers.c.id.in_(paper_ids),
                     _papers.c.search_document.bool_op("@@")(_tsquery(list(query.weights), "|")))
    found, score = _scored(query, condition)
    return {int(i): float(s) for i, s in conn.execute(select(found.c.id, score))}


def _scored(query: LexicalQuery, condition: Any) -> tuple[Any, Any]:
    """The papers meeting `condition` and their score: per lexeme its weight times `ts_rank`
    (field weights, saturating term frequency, length normalisation), summed.

    The subquery detoasts each document once (`|| ''`); scored straight from the table,
    every `ts_rank` call would fetch it from TOAST again (measured 4x slower).
    """
    document = _papers.c.search_document.op("||")(cast(literal(""), TSVECTOR))
    found = (select(_papers.c.id, document.label("document")).where(condition).offset(0)
             .subquery("found"))
    parts = [func.ts_rank(text(f"'{WEIGHTS}'::float4[]"), found.c.document,
                          _tsquery([lexeme], "|"), NORMALISATION) * weight
             for lexeme, weight in query.weights.items()]
    return found, sum(parts[1:], parts[0])


def _tsquery(lexemes: Sequence[str], joiner: str) -> Any:
    return cast(literal(f" {joiner} ".join(_quoted(lexeme) for lexeme in lexemes)), TSQUERY)


def _quoted(lexeme: str) -> str:
    """One lexeme as tsquery text (quoted, so punctuation inside it stays part of it)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# The analysed word frequencies of each database and schema, kept until the next analysis:
# parsing ~15,000 of them costs more than a whole query.
Statistics = tuple[dict[str, float], float] | None
_analysed: dict[tuple[str, str], tuple[Any, Statistics]] = {}
_analysed_lock = threading.Lock()


def _statistics(conn: Connection) -> tuple[float, Statistics]:
    """The paper count (the planner's estimate when it has one; a count would scan) and the
    analysed share of papers holding each common lexeme with the smallest share kept (None if
    the column was never analysed)."""
    schema, estimate, analysed_at = conn.execute(text(
        "SELECT current_schema(), c.reltuples, "
        "greatest(s.last_analyze, s.last_autoanalyze) FROM pg_class c "
        "LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid "
        "WHERE c.oid = to_regclass('papers')")).one()
    total = (float(estimate) if estimate is not None and estimate > 0 else
             float(conn.execute(select(func.count()).select_from(_papers)).scalar_one()))
    key = (conn.engine.url.render_as_string(hide_password=True), schema)
    with _analysed_lock:
        cached = _analysed.get(key)
    if cached is not None and analysed_at is not None and cached[0] == analysed_at:
        return total, cached[1]
    statistics = _common_lexemes(conn)
    if analysed_at is not None:
        with _analysed_lock:
            _analysed[key] = (analysed_at, statistics)
    return total, statistics


def _common_lexemes(conn: Connection) -> Statistics:
    row = conn.execute(text(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
        "WHERE tablename = 'papers' AND attname = 'search_document' "
        "AND schemaname = current_schema()")).first()
    if row is None or row[0] is None:
        return None
    lexemes, shares = row
    # After one share per lexeme come the smallest and largest shares and the share of nulls.
    return dict(zip(lexemes, shares, strict=False)), float(shares[len(lexemes)])


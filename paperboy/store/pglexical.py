"""Which papers a lexical query scores in PostgreSQL, from the weighted tsvector
`papers.search_document` (migration 0004) and what the database derives from it.

The scores themselves are BM25F computed in process from the papers' packed terms, as on
SQLite (search/database.py). The database chooses the papers to score, each with its packed
terms, in one round trip:

- the papers holding the query's rarest words (about `RARE_BUDGET` of them, from the GIN
  index), filled up to `CANDIDATE_CAP` with the papers where its words weigh most: each
  word's `POSTING_DEPTH` heaviest papers from the impact-ordered postings of the papers'
  strong words (migration 0008), summed with the words' idf. The work is bounded by the
  query's length, not by the corpus; at 74,727 papers it keeps most of what the rarest words
  alone lost against scoring every paper (docs/search-quality.md).
- a filter (a category, dates, an author) that passes a share of the papers takes rarer
  words and reads the postings deeper by that share (up to `DEEPEST` times), so that about
  as many of the papers it passes are scored.
- a filter passing few papers (`NARROW_FILTER`, by the planner's estimate) has every one of
  them that holds a query word scored, as SQLite would.
"""

from __future__ import annotations

import math
import threading
import typing
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    Table,
    any_,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR

Allowed = Select[Any] | None  # a query for the ids a result may have (None: any)
Ranked = list[tuple[int, float]]  # (paper id, score), best first

FUZZY_LIMIT = 5_000  # papers of one word the GIN index hands out, about (see _bounded_index_scan)
RANKED_TERMS = 20  # lexemes of a query that may choose the candidates, at most (the heaviest)
POSTING_DEPTH = 1_000  # papers read per query word from the impact-ordered postings
RARE_BUDGET = 300  # papers holding the query's rarest words, scored whatever their postings
CANDIDATE_CAP = 600  # papers a query scores: those and the heaviest
DEEPEST = 3  # a filter reads the postings at most this many times deeper
NARROW_FILTER = 2_000  # a filter passing at most this many papers has all of them considered

_metadata = MetaData()
_papers = Table("papers", _metadata, Column("id", Integer, primary_key=True),
                Column("search_document", TSVECTOR))
_terms = Table("paper_index", _metadata, Column("paper_id", Integer, primary_key=True),
               Column("terms", LargeBinary))
Terms = dict[int, bytes | None]  # paper id -> its packed terms (None: not indexed yet)


@dataclass(frozen=True)
class LexicalQuery:
    """The heaviest lexemes of a query, which choose the papers to score."""

    weights: dict[str, float]  # idf times how often the query says it
    holding: dict[str, float]  # how many papers hold each (an estimate)

    def rarest(self, budget: float) -> tuple[str, ...]:
        """The rarest lexemes, as many as about `budget` papers hold in all (one at least)."""
        chosen: list[str] = []
        covered = 0.0
        for lexeme in sorted(self.weights, key=lambda lexeme: (self.holding[lexeme], lexeme)):
            if chosen and covered + self.holding[lexeme] > budget:
                break
            chosen.append(lexeme)
            covered += self.holding[lexeme]
        return tuple(chosen)


def lexical_query(conn: Connection, query_text: str) -> LexicalQuery | None:
    """None: the query has no searchable word (only stop words, say)."""
    terms = query_terms(conn, query_text)
    if not terms:
        return None
    total, counts = document_counts(conn, list(terms))
    weights = {lexeme: math.log(1 + (total - counts[lexeme] + 0.5) / (counts[lexeme] + 0.5))
               * count for lexeme, count in terms.items()}
    # The heaviest lexemes only: the light ones (idf near 0) move no result.
    heaviest = sorted(weights, key=lambda lexeme: (-weights[lexeme], lexeme))[:RANKED_TERMS]
    return LexicalQuery({lexeme: weights[lexeme] for lexeme in heaviest},
                        {lexeme: counts[lexeme] for lexeme in heaviest})


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
        .where(_holds(_papers.c.search_document, [lexeme]))).scalar_one())
        for lexeme in lexemes}


def lexical_candidates(conn: Connection, query: LexicalQuery, allowed: Allowed) -> Terms:
    """The papers worth scoring, with their packed terms."""
    if allowed is None:
        sql, parameters, share = _CHOSEN.replace("{within}", ""), dict[str, Any](), 1.0
    else:
        within, parameters = compiled(conn, allowed)
        passing = estimated_rows(conn, within, parameters)
        if passing <= NARROW_FILTER:
            return _by_paper(_binary_rows(conn, _HOLDING_ANY.replace("{within}", within),
                                          parameters | _narrow_parameters(query)))
        sql, share = _CHOSEN.replace("{within}", f"AND id IN ({within})"), min(
            1.0, passing / _analysis(conn)[1])
    with _bounded_index_scan(conn):
        return _by_paper(_binary_rows(conn, sql, parameters | _chosen_parameters(query, share)))


# The candidates' statements, as the driver takes them (building and compiling them through
# SQLAlchemy cost 2 ms a query); `{within}` becomes the filter's condition.
_HOLDING_ANY = """
    SELECT p.id, i.terms FROM papers AS p LEFT JOIN paper_index AS i ON i.paper_id = p.id
    WHERE p.id IN ({within}) AND p.search_document @@ CAST(%(pb_words)s AS tsquery)
    LIMIT %(pb_limit)s"""

_CHOSEN = """
    WITH rare AS (
        SELECT id FROM papers WHERE search_document @@ CAST(%(pb_rarest)s AS tsquery)
        {within} LIMIT %(pb_rare)s),
    sums AS (
        SELECT p.paper_id AS id, sum(q.weight * p.impact) AS score
        FROM unnest(CAST(%(pb_lexemes)s AS text[]), CAST(%(pb_weights)s AS real[]))
             AS q(lexeme, weight)
        CROSS JOIN LATERAL (SELECT pp.paper_id, pp.impact FROM paper_postings AS pp
                            WHERE pp.lexeme = q.lexeme
                            ORDER BY pp.impact DESC LIMIT %(pb_depth)s) AS p
        WHERE p.paper_id NOT IN (SELECT id FROM rare)
        GROUP BY p.paper_id ORDER BY score DESC, p.paper_id LIMIT %(pb_sums)s),
    heaviest AS (
        SELECT id FROM sums WHERE true {within} ORDER BY score DESC, id
        LIMIT greatest(%(pb_cap)s - (SELECT count(*) FROM rare), 0))
    SELECT chosen.id, i.terms
    FROM (SELECT id FROM rare UNION ALL SELECT id FROM heaviest) AS chosen
    LEFT JOIN paper_index AS i ON i.paper_id = chosen.id"""


def _narrow_parameters(query: LexicalQuery) -> dict[str, Any]:
    """`_HOLDING_ANY`'s: the allowed papers holding any of the query's heaviest words (a few
    thousand at most, by the estimate; `NARROW_FILTER` of them if it was wrong)."""
    return {"pb_words": _any_of(query.weights), "pb_limit": NARROW_FILTER}


def _chosen_parameters(query: LexicalQuery, share: float) -> dict[str, Any]:
    """`_CHOSEN`'s: the papers holding the rarest words, then the heaviest sums of each
    word's heaviest postings, `CANDIDATE_CAP` in all; with a filter passing `share` of the
    papers, about as many of the papers it passes."""
    deeper = min(1 / share, DEEPEST)
    return {"pb_rarest": _any_of(query.rarest(RARE_BUDGET / share)),
            "pb_rare": min(RARE_BUDGET, CANDIDATE_CAP), "pb_lexemes": list(query.weights),
            "pb_weights": list(query.weights.values()),
            "pb_depth": round(POSTING_DEPTH * deeper), "pb_sums": round(CANDIDATE_CAP * deeper),
            "pb_cap": CANDIDATE_CAP}


def estimated_rows(conn: Connection, sql: str, parameters: dict[str, Any]) -> float:
    """How many rows the planner expects the statement to return (planning, not running)."""
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", parameters).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"])


def packed_terms(conn: Connection, paper_ids: Sequence[int]) -> Terms:
    """The packed terms of these papers (None for those not indexed yet)."""
    rows = _binary_rows(conn, *compiled(conn, select(_terms.c.paper_id, _terms.c.terms)
                                        .where(one_of(_terms.c.paper_id, paper_ids))))
    return {paper_id: None for paper_id in paper_ids} | _by_paper(rows)


def one_of(column: ColumnElement[int], paper_ids: Sequence[int]) -> ColumnElement[bool]:
    """`column = ANY(ids)`, the ids one array parameter: a statement with one placeholder per
    id is a new statement for each count, which psycopg parses anew (~9% of this process's
    time per hybrid query at a million papers, session 3)."""
    return column == any_(cast(literal(list(paper_ids)), ARRAY(Integer)))


def _by_paper(rows: Sequence[tuple[Any, Any]]) -> Terms:
    return {int(paper_id): None if terms is None else bytes(terms) for paper_id, terms in rows}


def compiled(conn: Connection, statement: Select[Any]) -> tuple[str, dict[str, Any]]:
    """The statement as the driver takes it: its SQL and parameters."""
    dialect = conn.dialect
    done = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    if any(bind.type.dialect_impl(dialect).bind_processor(dialect)
           for bind in done.binds.values()):
        raise TypeError("a parameter of this statement needs SQLAlchemy to convert it")
    return str(done), dict(done.params)


def _binary_rows(conn: Connection, sql: str, parameters: dict[str, Any]
                 ) -> list[tuple[Any, ...]]:
    """The statement's rows, fetched through the driver in binary, in the connection's
    transaction. SQLAlchemy reads bytea as hex text: 200 papers' packed terms took 5.4 ms
    that way, 4.1 of them this process's CPU, against 1.3 and 0.6 in binary."""
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("the connection is closed")
    with driver.cursor(binary=True) as cursor:
        rows: list[tuple[Any, ...]] = cursor.execute(sql, parameters).fetchall()
    return rows


@contextmanager
def _bounded_index_scan(conn: Connection) -> Iterator[None]:
    """Within it, the candidates come from the GIN index, which hands out at most about
    `FUZZY_LIMIT` of a word's papers (a random sample, `gin_fuzzy_search_limit`): reading
    every paper id of a common word ("code": a fifth of a million papers) costs more than
    the whole query may. Without the index (a scan until enough papers match) a common word
    costs as much."""
    set_locally(conn, gin_fuzzy_search_limit=str(FUZZY_LIMIT), enable_seqscan="off")
    try:
        yield
    finally:
        set_locally(conn, gin_fuzzy_search_limit="0", enable_seqscan="on")


def set_locally(conn: Connection, **settings: str) -> None:
    """SET LOCAL for several settings in one round trip."""
    conn.execute(select(*(func.set_config(name, value, True)
                          for name, value in settings.items())))


def _holds(document: ColumnElement[Any], lexemes: typing.Iterable[str]) -> ColumnElement[bool]:
    """The document holds any of these lexemes."""
    return document.bool_op("@@")(cast(literal(_any_of(lexemes)), TSQUERY))


def _any_of(lexemes: typing.Iterable[str]) -> str:
    """tsquery text for any of these lexemes."""
    return " | ".join(_quoted(lexeme) for lexeme in lexemes)


def _quoted(lexeme: str) -> str:
    """One lexeme as tsquery text (quoted, so punctuation inside it stays part of it)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def sample_ids(conn: Connection, size: int) -> list[int]:
    """About `size` papers picked at random (all of them when there are no more): rows at
    random up to 50 times `size` papers, whole pages at random beyond (reading every row
    would cost seconds at a million papers)."""
    total = _analysis(conn)[1]
    every = select(_papers.c.id).limit(size)
    if total <= size:
        return list(conn.execute(every).scalars())
    method = "BERNOULLI" if total <= 50 * size else "SYSTEM"
    share = min(100.0, 100.0 * 2 * size / total)
    sampled = list(conn.execute(text(f"SELECT id FROM papers TABLESAMPLE {method} (:share) "
                                     "LIMIT :n"), {"share": share, "n": size}).scalars())
    return sampled or list(conn.execute(every).scalars())  # unlucky pages: any papers


T = TypeVar("T")
# What is derived from the planner's statistics (the word frequencies: parsing ~15,000 of
# them costs more than a whole query), per database, schema and name, with the analysis it
# came from; kept until the next analysis.
_derived: dict[tuple[str, str, str], tuple[Any, Any]] = {}
_derived_lock = threading.Lock()


def per_analysis(conn: Connection, name: str, compute: Callable[[Connection], T]) -> T:
    """`compute(conn)`, computed once per analysis of the papers (each time while they were
    never analysed)."""
    key, _, analysed_at = _analysis(conn)
    return _kept(conn, (*key, name), analysed_at, compute)


def _kept(conn: Connection, key: tuple[str, str, str], analysed_at: Any,
          compute: Callable[[Connection], T]) -> T:
    with _derived_lock:
        cached = _derived.get(key)
    if cached is not None and analysed_at is not None and cached[0] == analysed_at:
        return typing.cast(T, cached[1])
    value = compute(conn)
    if analysed_at is not None:
        with _derived_lock:
            _derived[key] = (analysed_at, value)
    return value


def _analysis(conn: Connection) -> tuple[tuple[str, str], float, Any]:
    """(database and schema, the paper count, when the papers were last analysed). The count
    is the planner's estimate when it has one (counting would scan). Read once per
    transaction: a query asks three times."""
    kept = conn.info.get("paperboy.analysis")
    transaction = conn.get_transaction()
    if kept is not None and transaction is not None and kept[0]() is transaction:
        return typing.cast(tuple[tuple[str, str], float, Any], kept[1])
    # The statistics functions, not the pg_stat_all_tables view: a third of the time.
    schema, estimate, analysed_at = conn.execute(text(
        "SELECT current_schema(), c.reltuples, greatest(pg_stat_get_last_analyze_time(c.oid), "
        "pg_stat_get_last_autoanalyze_time(c.oid)) FROM pg_class c "
        "WHERE c.oid = to_regclass('papers')")).one()
    total = (float(estimate) if estimate is not None and estimate > 0 else
             float(conn.execute(select(func.count()).select_from(_papers)).scalar_one()))
    analysis = (conn.engine.url.render_as_string(hide_password=True), schema), total, analysed_at
    transaction = conn.get_transaction()
    if transaction is not None:
        conn.info["paperboy.analysis"] = (weakref.ref(transaction), analysis)
    return analysis


Statistics = tuple[dict[str, float], float] | None


def _statistics(conn: Connection) -> tuple[float, Statistics]:
    """The paper count and the analysed share of papers holding each common lexeme with the
    smallest share kept (None if the column was never analysed)."""
    key, total, analysed_at = _analysis(conn)
    return total, _kept(conn, (*key, "lexemes"), analysed_at, _common_lexemes)


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


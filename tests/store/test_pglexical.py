"""Lexical ranking in PostgreSQL: which papers a query scores, and the statistics behind it."""

import pytest
from sqlalchemy import JSON, event, literal, select, text

from paperboy.models import Author, PaperRecord
from paperboy.search.database import lexical_top
from paperboy.search.indexer import index_papers
from paperboy.search.text import pack_terms
from paperboy.store import open_database, papers, pglexical, pgsearch, schema
from paperboy.store import search as store


@pytest.fixture
def pg(postgres_url):
    db = open_database(postgres_url)
    yield db
    db.dispose()


def add(db, *records):
    with db.engine.begin() as conn:
        papers.upsert(conn, list(records))
        pgsearch.analyze(conn)


def common_words_hub(db):
    """40 papers on graphs, 40 on attention, 8 on both; one on tardigrades and graphs."""
    add(db, *[PaperRecord(f"g{n}", f"Graph study {n}", "Nodes and edges.", source="jsonl")
              for n in range(40)],
        *[PaperRecord(f"a{n}", f"Attention study {n}", "Heads and tokens.", source="jsonl")
          for n in range(40)],
        *[PaperRecord(f"b{n}", f"Graph attention {n}", "Both at once.", source="jsonl")
          for n in range(8)],
        PaperRecord("t", "Tardigrade graph", "Water bears.", source="jsonl"))
    with db.engine.connect() as conn:
        return store.uids_by_id(conn)


# A filter passing every paper: few, so every one holding a query word is scored.
EVERY_PAPER = select(schema.papers.c.id)


def ranked(db, query, limit=10, allowed=EVERY_PAPER):
    with db.engine.connect() as conn:
        words = pglexical.lexical_query(conn, query)
        assert words is not None
        return words, lexical_top(conn, query, allowed, limit)[1]


@pytest.mark.parametrize("allowed", [None, EVERY_PAPER], ids=["unfiltered", "narrow filter"])
def test_every_word_of_a_long_query_counts(pg, allowed):
    """A sentence query has 15-25 words: the paper holding its lightest two beats the one
    holding only its heaviest (a score from the ten heaviest words missed it altogether)."""
    words = [f"zq{chr(97 + n)}word" for n in range(16)]  # equally rare, so weighed by name
    add(pg, PaperRecord("heavy", words[0], "One word of the query.", source="jsonl"),
        PaperRecord("light", f"{words[14]} {words[15]}", "Two words of it.", source="jsonl"),
        *[PaperRecord(f"other{n}", "Unrelated", "Nothing here.", source="jsonl")
          for n in range(20)])
    with pg.engine.connect() as conn:
        uids = store.uids_by_id(conn)
    _, found = ranked(pg, " ".join(words), allowed=allowed)
    assert [uids[i] for i, _ in found] == ["light", "heavy"]


def test_word_counts_come_from_the_latest_analysis(pg):
    add(pg, *[PaperRecord(f"k{n}", f"Kelp {n}", "Coast.", source="jsonl") for n in range(30)],
        PaperRecord("x", "Other", "Text.", source="jsonl"))
    with pg.engine.connect() as conn:
        _, before = pglexical.document_counts(conn, ["kelp"])
    assert before["kelp"] == pytest.approx(30, rel=0.05)
    add(pg, *[PaperRecord(f"o{n}", f"Other {n}", "Text.", source="jsonl") for n in range(60)])
    with pg.engine.connect() as conn:
        total, after = pglexical.document_counts(conn, ["kelp"])
    assert total == pytest.approx(91, rel=0.05) and after["kelp"] == pytest.approx(30, rel=0.05)


def test_the_search_document_keeps_fine_statistics(pg):
    with pg.engine.connect() as conn:
        target = conn.execute(text(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'papers'::regclass "
            "AND attname = 'search_document'")).scalar_one()
    assert target == 2500


def test_what_is_derived_from_an_analysis_is_kept_until_the_next(pg):
    calls = []

    def compute(conn):
        calls.append(1)
        return len(calls)

    add(pg, PaperRecord("x", "Kelp", "Coast.", source="jsonl"))  # add() analyses
    with pg.engine.connect() as conn:
        assert [pglexical.per_analysis(conn, "test", compute) for _ in range(3)] == [1, 1, 1]
    add(pg, PaperRecord("y", "Other", "Text.", source="jsonl"))
    with pg.engine.connect() as conn:
        assert pglexical.per_analysis(conn, "test", compute) == 2


def test_never_analysed_it_is_computed_each_time(pg):
    with pg.engine.connect() as conn:
        values = [pglexical.per_analysis(conn, "test", lambda _: object()) for _ in range(2)]
    assert values[0] is not values[1]


@pytest.mark.parametrize("papers_added", [5, 50])
def test_a_sample_of_papers_is_never_empty(pg, papers_added):
    add(pg, *[PaperRecord(f"s{n}", f"Sample {n}", "Text.", source="jsonl")
              for n in range(papers_added)])
    with pg.engine.connect() as conn:
        ids = set(store.uids_by_id(conn))
        samples = [pglexical.sample_ids(conn, 20) for _ in range(20)]
    assert all(sample and len(sample) <= 20 and set(sample) <= ids for sample in samples)
    assert set(samples[0]) == ids if papers_added <= 20 else len(set(map(tuple, samples))) > 1


def test_candidates_come_with_their_packed_terms_none_before_indexing(pg):
    add(pg, PaperRecord("k", "Kelp forests", "Coast.", source="jsonl"),
        PaperRecord("o", "Other", "Text.", source="jsonl"))
    with pg.engine.connect() as conn:
        query = pglexical.lexical_query(conn, "kelp")
        assert query is not None
        before = pglexical.lexical_candidates(conn, query, None)
    index_papers(pg, None)
    with pg.engine.connect() as conn:
        after = pglexical.lexical_candidates(conn, query, None)
        (kelp,) = after
        assert pglexical.packed_terms(conn, [kelp, 10**9]) == {kelp: after[kelp], 10**9: None}
    assert before == {kelp: None}
    assert after[kelp] == pack_terms("Kelp forests", "Coast.", "")


def test_a_parameter_the_driver_cannot_take_as_given_is_refused(pg):
    with pg.engine.connect() as conn, pytest.raises(TypeError, match="convert"):
        pglexical.compiled(conn, select(literal({"a": 1}, JSON)))


def test_the_analysis_is_read_once_per_transaction(pg):
    add(pg, PaperRecord("k", "Kelp forests", "Coast.", source="jsonl"))
    statements = []
    event.listen(pg.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]) if "analyze_time" in args[2] else None)
    with pg.engine.connect() as conn:
        lexical_top(conn, "kelp forests", None, 10)
        lexical_top(conn, "coast", None, 10)
    with pg.engine.connect() as conn:
        lexical_top(conn, "kelp", None, 10)
    assert len(statements) == 2


def postings(db):
    with db.engine.connect() as conn:
        uids = store.uids_by_id(conn)
        rows = conn.execute(text("SELECT paper_id, lexeme, impact, xmin::text FROM paper_postings"))
        return {(uids[paper_id], lexeme): (impact, xmin) for paper_id, lexeme, impact, xmin in rows}


def test_the_postings_follow_the_text_in_the_same_statement(pg):
    """Strong words only: in the title, or said twice."""
    add(pg, PaperRecord("k", "Kelp forests", "Kelp along the coast: kelp.", source="jsonl"),
        PaperRecord("o", "Coral reefs", "Text.", source="jsonl"))
    before = postings(pg)
    assert {lexeme for uid, lexeme in before if uid == "k"} == {"kelp", "forest"}
    assert before["k", "kelp"][0] > before["k", "forest"][0]  # in the abstract too
    add(pg, PaperRecord("k", "Sea otters", "Kelp along the coast: kelp.", source="jsonl",
                        version=2))
    after = postings(pg)
    assert {lexeme for uid, lexeme in after if uid == "k"} == {"sea", "otter", "kelp"}
    assert after["o", "coral"] == before["o", "coral"]  # untouched: the same row version
    with pg.engine.begin() as conn:
        papers.set_hidden(conn, papers.row_id(conn, "k"), True)
    assert postings(pg) == after  # not its text: its postings stay as they were
    with pg.engine.begin() as conn:
        conn.execute(schema.papers.delete().where(schema.papers.c.uid == "k"))
    assert {uid for uid, _ in postings(pg)} == {"o"}


def test_a_word_weighs_most_in_the_title_and_in_a_short_paper(pg):
    add(pg, PaperRecord("title", "Kelp", "Forests of the coast.", source="jsonl"),
        PaperRecord("short", "Forests", "Kelp of the coast, kelp.", source="jsonl"),
        PaperRecord("long", "Forests", "Kelp of the coast, kelp, " + "and more words " * 40,
                    source="jsonl"),
        PaperRecord("once", "Forests", "Kelp of the coast.", source="jsonl"))
    impact = {uid: value for (uid, lexeme), (value, _) in postings(pg).items()
              if lexeme == "kelp"}
    assert impact["title"] > impact["short"] > impact["long"] and "once" not in impact


def test_without_filters_the_heaviest_papers_of_each_word_are_scored(pg, monkeypatch):
    uids = common_words_hub(pg)  # "graph": 49 papers, "attention": 48, both: 8
    monkeypatch.setattr(pglexical, "POSTING_DEPTH", 10)
    monkeypatch.setattr(pglexical, "RARE_BUDGET", 5)
    with pg.engine.connect() as conn:
        query = pglexical.lexical_query(conn, "graph attention")
        assert query is not None
        read = conn.execute(text(
            "SELECT count(*) FROM (SELECT 1 FROM paper_postings WHERE lexeme = 'graph' "
            "ORDER BY impact DESC LIMIT 10)")).scalar_one()
        chosen = pglexical.lexical_candidates(conn, query, None)
        found = lexical_top(conn, "graph attention", None, 10)[1]
    # 5 papers of the rarer word, then each word's 10 heaviest papers, at most
    assert read == 10 and len(chosen) <= 5 + 20
    # The papers holding both words weigh most on both lists, short titles first.
    assert {uids[i] for i, _ in found[:8]} == {f"b{n}" for n in range(8)}
    assert {uids[i] for i in chosen} >= {f"b{n}" for n in range(8)}


def test_a_cap_bounds_the_papers_a_query_scores(pg, monkeypatch):
    common_words_hub(pg)
    monkeypatch.setattr(pglexical, "CANDIDATE_CAP", 5)
    with pg.engine.connect() as conn:
        query = pglexical.lexical_query(conn, "graph attention study")
        assert query is not None
        assert len(pglexical.lexical_candidates(conn, query, None)) == 5


def test_a_paper_saying_a_rare_word_once_is_scored_without_its_posting(pg, monkeypatch):
    add(pg, *[PaperRecord(f"g{n}", f"Graph study {n}", "Graph nodes, graph edges.",
                          source="jsonl") for n in range(30)],
        PaperRecord("t", "Water bears", "Graph of the tardigrade.", source="jsonl"))
    monkeypatch.setattr(pglexical, "POSTING_DEPTH", 5)
    monkeypatch.setattr(pglexical, "RARE_BUDGET", 2)
    with pg.engine.connect() as conn:
        uids = store.uids_by_id(conn)
        query = pglexical.lexical_query(conn, "tardigrade graph")
        assert query is not None and query.rarest(2) == ("tardigrad",)
        assert "t" in {uids[i] for i in pglexical.lexical_candidates(conn, query, None)}
        found = lexical_top(conn, "tardigrade graph", None, 10)[1]
    assert uids[found[0][0]] == "t"


def test_a_common_word_is_sampled_by_the_index_not_read_whole(pg, monkeypatch):
    common_words_hub(pg)  # "study": 80 papers
    with pg.engine.begin() as conn:  # new papers wait in the index's pending list, unsampled
        conn.execute(text("SELECT gin_clean_pending_list('ix_papers_search_document')"))
    monkeypatch.setattr(pglexical, "FUZZY_LIMIT", 3)
    monkeypatch.setattr(pglexical, "POSTING_DEPTH", 1)
    with pg.engine.connect() as conn:
        query = pglexical.lexical_query(conn, "study")
        assert query is not None
        chosen = pglexical.lexical_candidates(conn, query, None)
        settings = [conn.execute(text(f"SHOW {name}")).scalar_one()
                    for name in ("gin_fuzzy_search_limit", "enable_seqscan")]
    assert len(chosen) < 30  # about 3 of the 80 (a soft limit), and 1 posting
    assert settings == ["0", "on"]  # and the settings ended with the scan


def by(name):
    return (Author(name),)


def test_a_narrow_filter_scores_every_paper_it_passes_holding_a_query_word(pg, monkeypatch):
    add(pg, *[PaperRecord(f"g{n}", f"Graph study {n}", "Nodes.", authors=by("Ada Byron"),
                          source="jsonl") for n in range(30)],
        PaperRecord("t", "Water bears", "A tardigrade.", authors=by("Ada Young"),
                    source="jsonl"),
        PaperRecord("c", "Knots", "A graph of knots.", authors=by("Ada Young"), source="jsonl"),
        PaperRecord("x", "Graph", "Not by her.", authors=by("Bo Li"), source="jsonl"))
    ada = store.filtered_ids(store.Filters(authors=["Ada"]))
    monkeypatch.setattr(pglexical, "POSTING_DEPTH", 5)
    monkeypatch.setattr(pglexical, "RARE_BUDGET", 2)
    with pg.engine.connect() as conn:
        uids = store.uids_by_id(conn)
        query = pglexical.lexical_query(conn, "tardigrade graph")
        assert query is not None
        narrow = {uids[i] for i in pglexical.lexical_candidates(conn, query, ada)}
        monkeypatch.setattr(pglexical, "NARROW_FILTER", 0)
        broad = {uids[i] for i in pglexical.lexical_candidates(conn, query, ada)}
    assert narrow == {f"g{n}" for n in range(30)} | {"t", "c"}
    # "c" holds neither the rarest word nor a posting (it says "graph" once, not in its
    # title): read as a filter passing many papers, it is not scored.
    assert "t" in broad and "c" not in broad and "x" not in broad


def test_a_broad_filter_reads_the_postings_deeper_and_keeps_what_it_passes(pg, monkeypatch):
    """Papers n = 0..39 with "graph" in titles ever longer (so ever lighter), every other
    one in cs.CV; the filter passes half of them, so the postings are read twice as deep."""
    add(pg, *[PaperRecord(f"p{n}", "Graph " + "word " * n, "Text.", source="jsonl",
                          categories=("cs.CV",) if n % 2 == 0 else ("cs.AI",))
              for n in range(40)])
    monkeypatch.setattr(pglexical, "NARROW_FILTER", 0)
    monkeypatch.setattr(pglexical, "POSTING_DEPTH", 4)
    monkeypatch.setattr(pglexical, "RARE_BUDGET", 1)
    vision = store.filtered_ids(store.Filters(categories=["cs.CV"]))
    with pg.engine.connect() as conn:
        uids = store.uids_by_id(conn)
        query = pglexical.lexical_query(conn, "graph")
        assert query is not None
        assert pglexical.estimated_rows(conn, *pglexical.compiled(conn, vision)) == \
            pytest.approx(20, rel=0.5)
        chosen = {int(uids[i][1:]) for i in pglexical.lexical_candidates(conn, query, vision)}
    assert {0, 2, 4, 6} <= chosen and all(n % 2 == 0 for n in chosen)
    assert len(chosen) <= 1 + 4  # one paper of the rarest word, and four of the eight read

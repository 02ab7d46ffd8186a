"""Our adaptation of all-MiniLM-L6-v2 to arXiv papers: a LoRA adapter (2.6 MB, in the package).

Trained on pairs cut from arXiv papers that are in no evaluation set (a sentence of an abstract
to the rest of its paper, a title to its abstract, keywords to their paper); the recipe is
`tools/train_adapter.py`. The adapter is merged into the PyTorch model that embeds documents
and into the int8 ONNX twin that embeds queries, so both sides speak the same space.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ADAPTER_PATH = Path(__file__).with_name("minilm_arxiv_lora.safetensors")
ADAPTER_NAME = "arxiv-lora-5"  # part of the model name stored with every vector

Matrix = npt.NDArray[np.float32]


def load_deltas(path: Path | None = None) -> dict[str, Matrix]:
    """Weight deltas by module name (`encoder.layer.0.attention.self.query`), each (out, in)."""
    from safetensors import safe_open

    with safe_open(str(path or ADAPTER_PATH), framework="np") as handle:
        scale = float((handle.metadata() or {})["scale"])
        tensors = {key: handle.get_tensor(key).astype(np.float32) for key in handle.keys()}  # noqa: SIM118
    modules = {key.rsplit(".", 1)[0] for key in tensors}
    return {module: scale * (tensors[f"{module}.lora_B"] @ tensors[f"{module}.lora_A"])
            for module in sorted(modules)}


def merge_into_torch(model: Any, deltas: Mapping[str, Matrix]) -> dict[str, Matrix]:
    """Add each delta to the matching nn.Linear weight of a transformers BertModel; returns
    the weights as they were (the ONNX twin is matched against them)."""
    import torch

    base = {}
    with torch.no_grad():
        for module, delta in deltas.items():
            weight = model.get_submodule(module).weight
            base[module] = weight.detach().numpy().copy()
            weight += torch.from_numpy(delta).to(weight.dtype)
    return base


def adapted_onnx(path: Path, base: Mapping[str, Matrix], deltas: Mapping[str, Matrix]) -> bytes:
    """The int8 ONNX model with `deltas` merged, serialised for onnxruntime.

    The export keeps each Linear weight as `<name>_q` (int8, in x out) times `<name>_scale`
    (one per output column); its names say nothing of the layer, so each is matched to the
    base PyTorch weight it quantises. `base` holds the unmerged weights, (out, in).
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    initializers = {init.name: init for init in model.graph.initializer}
    merged: set[str] = set()
    for name, init in initializers.items():
        scale_init = initializers.get(name.removesuffix("_q") + "_scale")
        if not name.endswith("_q") or scale_init is None:
            continue
        quantized = numpy_helper.to_array(init).astype(np.float32)
        scales = numpy_helper.to_array(scale_init)
        if quantized.ndim != 2 or scales.shape != (1, quantized.shape[1]):
            continue  # embedding tables: quantised per row, and not adapted
        module = _quantised_from(quantized * scales, float(scales.max()), base)
        if module is None or module not in deltas:
            continue
        weight = base[module].T + deltas[module].T
        column_scales = np.maximum(np.abs(weight).max(axis=0, keepdims=True), 1e-12) / 127
        init.CopyFrom(numpy_helper.from_array(
            np.round(weight / column_scales).astype(np.int8), name))
        scale_init.CopyFrom(numpy_helper.from_array(
            column_scales.astype(np.float32), scale_init.name))
        merged.add(module)
    if missing := set(deltas) - merged:
        raise ValueError(f"{path.name}: no quantised weight found for {sorted(missing)[:3]}")
    return bytes(model.SerializeToString())


def _quantised_from(weight: Matrix, tolerance: float, base: Mapping[str, Matrix]) -> str | None:
    """The base module whose weight (transposed) `weight` quantises, or None."""
    for module, original in base.items():
        if original.T.shape == weight.shape and np.abs(original.T - weight).max() <= tolerance:
            return module
    return None

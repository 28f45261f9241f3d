"""benchmarks/model_profile.py: the operation count follows what goes through the layers."""

from __future__ import annotations

import pytest

from _benchmarks import load_benchmark
from test_encoder import compiled_programs, ir_tokenizer, tiny_config

prof = load_benchmark("model_profile")


@pytest.fixture(scope="module")
def batches():
    from sklearn_mirencoder.model.featurize import collate, encode_ir_text

    tok, cfg = ir_tokenizer(), tiny_config()
    encoded = [encode_ir_text(text, tok, cfg, name=name) for name, text in compiled_programs()]
    return [collate(encoded[:5], cfg), collate(encoded[5:], cfg)]


def test_count_flops_counts_the_windows_that_went_through(batches):
    from sklearn_mirencoder.model.encoder import random_init

    model = random_init(tiny_config(), ir_tokenizer(), seed=0)
    before = [model.embed(b) for b in batches]
    flops = prof.count_flops(model, batches)
    cfg = model.config
    h, ffn = cfg.hidden, cfg.ffn
    assert flops["windows"] == sum(int(b["input_ids"].shape[0]) for b in batches)
    real = sum(int(b["attention_mask"].sum()) for b in batches)
    # each chunk is cut to its longest window: at least the real tokens, at most full windows
    assert real <= flops["window tokens"] <= flops["windows"] * cfg.window
    assert flops["text encoder, linear maps"] == 2 * flops["window tokens"] * (4 * h * h + 2 * h * ffn) * cfg.text_layers
    nodes = sum(int(b["node_kind"].shape[0]) for b in batches)
    assert flops["graph encoder, linear maps"] == 8 * nodes * h * h * cfg.gnn_layers
    assert 0 < flops["text encoder, attention"] <= 4 * flops["windows"] * cfg.window**2 * h * cfg.text_layers
    # the model is left as it was: no recording hook, the same output
    assert "eval_layers" not in vars(model.text)
    for b, ref in zip(batches, before):
        assert (model.embed(b) == ref).all()


def test_kinds_of_operators():
    assert prof.kind_of("aten::addmm") == "matrix products (linear maps)"
    assert prof.kind_of("aten::_scaled_dot_product_flash_attention_for_cpu") == "attention (fused kernel)"
    assert prof.kind_of("aten::gelu").startswith("the rest")

"""The MIREncoder model and featurisation, on real programs compiled with clang."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_mirencoder.model.encoder import (
    MODALITIES,
    MIREncoder,
    MIREncoderConfig,
    count_parameters,
    random_init,
)
from sklearn_mirencoder.errors import ModelLoadError, TokenizerError
from sklearn_mirencoder.model.featurize import (
    EncodedProgram,
    collate,
    cut_graph,
    encode_ir_text,
    encode_program,
    select_nodes,
    text_coverage,
    window_starts,
)
from sklearn_mirencoder.frontend.tokens import IRTokenizer

# Twelve small programs (C and OpenCL), shared with tests/test_pretrain.py.
PROGRAMS: list[tuple[str, str, str]] = [
    ("saxpy.c", "c", """
void saxpy(int n, float a, const float *x, float *y) {
  for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}"""),
    ("matmul.c", "c", """
void matmul(int n, const double *a, const double *b, double *c) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}"""),
    ("histogram.c", "c", """
void histogram(const unsigned char *in, int n, unsigned *bins) {
  for (int i = 0; i < 256; i++) bins[i] = 0;
  for (int i = 0; i < n; i++) bins[in[i]]++;
}"""),
    ("fib.c", "c", """
long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
long sum_fib(int m) { long s = 0; for (int i = 0; i < m; i++) s += fib(i); return s; }"""),
    ("sort.c", "c", """
void bubble(int *a, int n) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j + 1 < n - i; j++)
      if (a[j] > a[j + 1]) { int t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; }
}"""),
    ("print.c", "c", """
#include <stdio.h>
#include <string.h>
int report(const char *name, int v) {
  size_t n = strlen(name);
  printf("%s (%zu): %d\\n", name, n, v);
  return (int)n + v;
}"""),
    ("points.c", "c", """
#include <math.h>
struct point { float x, y; };
float dist(struct point a, struct point b) {
  float dx = a.x - b.x, dy = a.y - b.y;
  return sqrtf(dx * dx + dy * dy);
}
float path(const struct point *p, int n) {
  float s = 0; for (int i = 1; i < n; i++) s += dist(p[i - 1], p[i]); return s;
}"""),
    ("vadd.cl", "opencl", """
__kernel void vadd(__global const float *a, __global const float *b, __global float *c, int n) {
  int i = get_global_id(0);
  if (i < n) c[i] = a[i] + b[i];
}"""),
    ("stencil.cl", "opencl", """
__kernel void stencil(__global const float *in, __global float *out, int w, int h) {
  int x = get_global_id(0), y = get_global_id(1);
  if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) return;
  out[y * w + x] = 0.2f * (in[y * w + x] + in[y * w + x - 1] + in[y * w + x + 1]
                           + in[(y - 1) * w + x] + in[(y + 1) * w + x]);
}"""),
    ("reduce.cl", "opencl", """
__kernel void reduce(__global const float *in, __global float *out, __local float *tmp, int n) {
  int g = get_global_id(0), l = get_local_id(0);
  tmp[l] = g < n ? in[g] : 0.0f;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
    if (l < s) tmp[l] += tmp[l + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (l == 0) out[get_group_id(0)] = tmp[0];
}"""),
    ("switch.c", "c", """
int classify(int c) {
  switch (c) {
    case 0: return 10; case 1: return 7; case 2: return 3;
    case 5: return c * 9; case 9: return -1; default: return c + 1;
  }
}
int total(const int *v, int n) { int s = 0; for (int i = 0; i < n; i++) s += classify(v[i]); return s; }"""),
    ("many.c", "c", "\n".join(
        f"int f{i}(int *a, int n) {{ int s = {i}; for (int k = 0; k < n; k++) s = s * {i + 3} + a[k] % {i + 2}; return s; }}"
        for i in range(12)
    ) + "\nint all(int *a, int n) { return " + " + ".join(f"f{i}(a, n)" for i in range(12)) + "; }"),
]


@functools.lru_cache(maxsize=1)
def compiled_programs() -> tuple[tuple[str, str], ...]:
    """(name, canonical IR text) of the test programs, compiled once per session."""
    try:
        from sklearn_mirencoder.frontend.ir import to_ir

        return tuple((name, to_ir(src, language=lang, name=name).text) for name, lang, src in PROGRAMS)
    except ImportError:  # pragma: no cover - fallback while ir.py is unavailable
        import subprocess

        import llvmlite.binding as llvm

        out = []
        for name, lang, src in PROGRAMS:
            flags = ["-x", "cl", "-cl-std=CL2.0"] if lang == "opencl" else ["-x", "c"]
            bc = subprocess.run(
                ["clang-22", *flags, "-O1", "-c", "-emit-llvm", "-o", "-", "-"],
                input=src.encode(), capture_output=True, check=True,
            ).stdout
            out.append((name, str(llvm.parse_bitcode(bc))))
        return tuple(out)


@functools.lru_cache(maxsize=1)
def ir_tokenizer() -> IRTokenizer:
    return IRTokenizer.train([t for _, t in compiled_programs()], vocab_size=400, min_frequency=1)


def tiny_config(**kw) -> MIREncoderConfig:
    tok = ir_tokenizer()
    return MIREncoderConfig.tiny(vocab_size=tok.vocab_size, pad_id=tok.pad_id, **kw)


pytestmark = pytest.mark.usefixtures("torch_one_thread")

PROPERTY = settings(max_examples=60)


@pytest.fixture(scope="module")
def encoded():
    tok, cfg = ir_tokenizer(), tiny_config()
    return [encode_ir_text(text, tok, cfg, name=name) for name, text in compiled_programs()]


@pytest.fixture(scope="module")
def model():
    return random_init(tiny_config(), ir_tokenizer(), seed=0)


@pytest.fixture(scope="module")
def alone(model, encoded):
    """Each program's embedding computed on its own, by modality."""
    return {m: torch.cat([model.embed(collate([p], model.config), m) for p in encoded]) for m in MODALITIES}


# ----------------------------------------------------------------------------------------


def test_parameter_counts_of_the_presets():
    small, base = count_parameters(MIREncoderConfig.small()), count_parameters(MIREncoderConfig.base())
    assert 5e6 < small < 8e6  # small enough for a < 25 MB fp16 file
    assert small * 2 < 25e6
    assert 20e6 < base < 24e6  # the paper's scale
    assert count_parameters(random_init(tiny_config(), seed=0)) == count_parameters(tiny_config())


def test_config_json_round_trip_and_output_dims():
    cfg = MIREncoderConfig.small(vocab_size=1234)
    again = MIREncoderConfig.from_dict(json.loads(cfg.to_json()))
    assert again == cfg
    assert [cfg.output_dim(m) for m in ("text", "graph", "both")] == [256, 512, 1024]
    with pytest.raises(ValueError):
        MIREncoderConfig(hidden=30, heads=4)
    with pytest.raises(ModelLoadError):
        MIREncoderConfig.from_dict({**cfg.to_dict(), "colour": "blue"})


def test_encoded_program_holds_only_numpy_arrays(encoded):
    tok, cfg = ir_tokenizer(), tiny_config()
    for p in encoded:
        assert p.token_ids.dtype == np.int32 and p.num_tokens > 0
        assert p.node_kind.dtype == np.int8
        assert p.node_tokens.dtype == np.int32 and p.node_tokens.shape == (p.num_nodes, cfg.node_text_tokens)
        assert p.edge_index.dtype == np.int64 and p.edge_index.shape == (2, p.num_edges)
        assert p.edge_flow.dtype == np.int8 and p.edge_position.dtype == np.int32
    # external functions get meaningful sub-word ids, not [UNK] alone
    p = encoded[[n for n, _, _ in PROGRAMS].index("print.c")]
    ext = p.node_tokens[p.node_kind == 3]
    assert (ext[:, 0] != tok.unk_id).all()
    # a Program-like (text, graph) pair gives the same arrays
    from sklearn_mirencoder.frontend.graph import ProGraMLBuilder

    name, text = compiled_programs()[0]
    pair = encode_program((text, ProGraMLBuilder().build_from_text(text, name=name)), tok, cfg)
    np.testing.assert_array_equal(pair.node_tokens, encoded[0].node_tokens)
    np.testing.assert_array_equal(pair.token_ids, encoded[0].token_ids)


def test_embed_shapes_and_determinism(model, encoded):
    cfg = model.config
    batch = collate(encoded[:5], cfg)
    for modality in MODALITIES:
        a = model.embed(batch, modality)
        b = model.embed(collate(encoded[:5], cfg), modality)
        assert a.shape == (5, cfg.output_dim(modality))
        assert torch.equal(a, b)  # bitwise
        assert torch.isfinite(a).all()
    # (independence of batch-mates: test_embedding_does_not_depend_on_the_batch)
    # embed_programs / embed_ir agree with embed
    arr = model.embed_ir([t for _, t in compiled_programs()[:2]], "graph")
    np.testing.assert_allclose(arr, model.embed(collate(encoded[:2], cfg), "graph").numpy(), rtol=1e-5, atol=1e-6)
    assert not model.training


@pytest.mark.parametrize("length", [7, 64, 512])
def test_eval_layers_equal_the_transformer_encoder_in_eval_mode(length):
    """The inference path (fused attention) computes what nn.TransformerEncoder computes,
    padding included, and training mode still goes through nn.TransformerEncoder."""
    cfg = MIREncoderConfig.tiny(vocab_size=100, pad_id=0, hidden=64, heads=4, text_layers=2, window=512, stride=384)
    text = random_init(cfg, seed=1).text.eval()
    gen = torch.Generator().manual_seed(length)
    x = torch.randn(5, length, cfg.hidden, generator=gen)
    lengths = torch.tensor([length, 1, max(1, length // 2), length, max(1, length - 3)])
    mask = torch.arange(length)[None] < lengths[:, None]
    pos = text.position_embedding(torch.arange(length))[None]
    with torch.no_grad():
        ours = text(x, mask)
        reference = text.layers(x + pos, src_key_padding_mask=~mask)  # PyTorch's fast path
        real = mask.unsqueeze(-1)
        torch.testing.assert_close(ours.masked_fill(~real, 0), reference.masked_fill(~real, 0), rtol=1e-5, atol=1e-5)
        text.train()
        assert torch.equal(text(x, mask), text.layers(x + pos, src_key_padding_mask=~mask))  # dropout 0


def test_graph_inference_path_equals_the_training_computation(encoded):
    """The graph encoder's inference path (eval, no autograd, CPU: an edge plan and
    embedding bags) gives the node states of the per-edge computation that training runs,
    up to float rounding, with every relation gate, bias and position embedding in use."""
    model = random_init(tiny_config(gnn_layers=2), ir_tokenizer(), seed=3).eval()
    gen = torch.Generator().manual_seed(0)
    for layer in model.graph.layers:
        for p in (layer.relation_scale, layer.relation_bias):
            p.data = torch.randn(p.shape, generator=gen)
    batch = collate(encoded, model.config)
    with torch.enable_grad():  # autograd on: the per-edge path
        reference = model.encode_nodes(batch, every_layer=True)
    assert reference[-1].requires_grad
    with torch.inference_mode():
        fast = model.encode_nodes(batch, every_layer=True)
    assert not fast[-1].requires_grad
    assert len(fast) == len(reference) == 3
    for a, b in zip(fast, reference):
        torch.testing.assert_close(a, b.detach(), rtol=1e-5, atol=1e-5)


def test_embedding_is_the_same_on_one_and_two_threads(model, encoded):
    batch = collate(encoded[:6], model.config)
    n = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = model.embed(batch)
        torch.set_num_threads(2)
        two = model.embed(batch)
    finally:
        torch.set_num_threads(n)
    assert torch.equal(one, two)


def test_graph_readout_of_every_layer_ends_with_the_embedding(model, encoded):
    cfg = model.config
    batch = collate(encoded[:4], cfg)
    per_layer = model.graph_vectors_by_layer(batch)
    assert len(per_layer) == cfg.gnn_layers + 1
    assert all(v.shape == (4, 2 * cfg.hidden) for v in per_layer)
    assert torch.equal(per_layer[-1], model.embed(batch, "graph"))
    # message passing changes the readout; the initial states are those of the node texts alone
    assert not torch.equal(per_layer[0], per_layer[1])
    assert not model.training


def test_forward_runs_under_bf16_autocast(encoded):
    """The mixed-precision path of pre-training on CUDA, checked on CPU."""
    model = random_init(tiny_config(), ir_tokenizer(), seed=0).train()
    batch = collate(encoded[:3], model.config)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        out = model(batch)
    loss = out["text"].float().sum() + out["graph"].float().sum() + out["z_graph"].float().sum()
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_long_programs_use_several_windows(model, encoded):
    cfg = model.config
    long = max(encoded, key=lambda p: p.num_tokens)
    assert long.num_tokens > 2 * cfg.window
    batch = collate([long], cfg)
    n_windows = batch["input_ids"].shape[0]
    assert n_windows == len(window_starts(long.num_tokens, cfg.window, cfg.stride, cfg.max_windows)) > 2
    wide = tiny_config(max_windows=1000)  # enough windows: every token is read
    bw = collate([long], wide)
    assert int(bw["tokens_seen"][0]) == int(bw["tokens_total"][0]) == long.num_tokens
    assert bw["input_ids"].shape[0] == -(-(long.num_tokens - wide.window) // wide.stride) + 1
    # beyond max_windows: evenly spaced windows and fewer tokens seen, reported
    cfg2 = tiny_config(max_windows=2)
    b2 = collate([long], cfg2)
    assert b2["input_ids"].shape[0] == 2
    assert int(b2["tokens_seen"][0]) == 2 * cfg2.window < int(b2["tokens_total"][0])
    starts = b2["window_start"].tolist()
    assert starts[0] == 0 and starts[-1] == long.num_tokens - cfg2.window
    out = random_init(cfg2, ir_tokenizer(), seed=0).embed(b2, "text")
    assert out.shape == (1, cfg2.hidden)


def test_window_starts_cover_the_sequence():
    assert window_starts(10, 64, 48, 8).tolist() == [0]
    s = window_starts(200, 64, 48, 100)
    assert s[0] == 0 and s[-1] == 200 - 64 and np.all(np.diff(s) <= 48)
    s = window_starts(10_000, 64, 48, 8)
    assert len(s) == 8 and s[0] == 0 and s[-1] == 10_000 - 64


@PROPERTY
@given(
    n=st.integers(1, 50_000),
    window=st.integers(1, 600),
    stride_frac=st.floats(0.05, 1.0),
    max_windows=st.integers(2, 40),
)
def test_window_starts_properties(n, window, stride_frac, max_windows):
    stride = max(1, int(window * stride_frac))
    s = window_starts(n, window, stride, max_windows)
    assert s.dtype == np.int64 and 1 <= s.size <= max_windows
    assert s[0] == 0 and np.all(np.diff(s) > 0)  # first window at 0, strictly increasing
    assert s[-1] == max(0, n - window)  # the last window ends at the end of the sequence
    regular = 1 if n <= window else -(-(n - window) // stride) + 1
    cfg = tiny_config(window=window, stride=stride, max_windows=max_windows, heads=1, hidden=32)
    if regular <= max_windows:  # no thinning: at most a stride apart, every token read
        assert np.all(np.diff(s) <= stride)
        assert text_coverage(n, cfg) == n
    else:  # thinned to max_windows evenly spaced windows: fewer tokens read, never more than n
        assert s.size == max_windows
        assert window <= text_coverage(n, cfg) <= min(n, max_windows * window)


@PROPERTY
@given(
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=8),
    module_nodes=st.integers(0, 10),
    max_nodes=st.integers(1, 120),
    start=st.integers(0, 10),
)
def test_select_nodes_properties(sizes, module_nodes, max_nodes, start):
    """Module nodes first, then whole functions from ``start`` on; exactly ``max_nodes``
    kept when the graph is larger, at most one function cut."""
    node_function = np.concatenate(
        [np.full(module_nodes, -1)] + [np.full(k, f) for f, k in enumerate(sizes)]
    ).astype(np.int64)
    rng = np.random.default_rng(len(sizes) * 131 + module_nodes)
    node_function = node_function[rng.permutation(node_function.size)]  # nodes in any order
    keep = select_nodes(node_function, max_nodes, start_function=start)
    n = node_function.size
    assert keep.size == min(n, max_nodes) and np.all(np.diff(keep) > 0) and keep.max() < n
    if n <= max_nodes:
        return
    kept = node_function[keep]
    assert (kept < 0).sum() == min(module_nodes, max_nodes)  # module nodes are kept first
    partial = [f for f in np.unique(kept[kept >= 0]) if (kept == f).sum() < sizes[f]]
    assert len(partial) <= 1


@PROPERTY
@given(order=st.permutations(range(12)), size=st.integers(1, 12), modality=st.sampled_from(MODALITIES))
def test_embedding_does_not_depend_on_the_batch(model, encoded, alone, order, size, modality):
    """A program's embedding is bitwise the same alone and in any batch, in any position
    (what makes MIRTransformer's output the same for every n_jobs and encode_in)."""
    picked = list(order[:size])
    together = model.embed(collate([encoded[i] for i in picked], model.config), modality)
    for row, i in enumerate(picked):
        assert torch.equal(together[row], alone[modality][i]), f"program {i} at row {row} of {picked}"


def test_large_graphs_are_cut_to_whole_functions(encoded):
    tok = ir_tokenizer()
    name, text = compiled_programs()[-1]  # many.c: 13 functions
    cfg = tiny_config(max_graph_nodes=60)
    p = encode_ir_text(text, tok, cfg, name=name)
    assert p.num_nodes_total > 60 and p.num_nodes <= 60
    assert p.edge_index.size == 0 or p.edge_index.max() < p.num_nodes
    full = encode_ir_text(text, tok, tiny_config(), name=name)
    keep = select_nodes(full.node_function, 60)
    funcs = full.node_function[keep]
    kept_counts = {f: int((funcs == f).sum()) for f in np.unique(funcs[funcs >= 0])}
    all_counts = {f: int((full.node_function == f).sum()) for f in kept_counts}
    partial = [f for f in kept_counts if kept_counts[f] < all_counts[f]]
    assert len(partial) <= 1 and (not partial or partial[0] == max(kept_counts))  # only the last one is partial
    assert (full.node_function[full.node_function < 0].size) == int((funcs < 0).sum())  # module nodes kept
    batch = collate([p], cfg)
    assert int(batch["nodes_total"][0]) == p.num_nodes_total and int(batch["nodes_kept"][0]) == p.num_nodes
    # collate cuts too, when the program was encoded with a larger limit
    b2 = collate([full], cfg)
    assert int(b2["nodes_kept"][0]) <= 60 and int(b2["nodes_total"][0]) == full.num_nodes
    assert random_init(cfg, tok).embed(b2, "graph").shape == (1, 2 * cfg.hidden)
    assert cut_graph(full, 10_000) is full


def test_save_load_round_trip_and_strict_errors(tmp_path, model, encoded):
    batch = collate(encoded[:4], model.config)
    ref = model.embed(batch)
    d = model.save_pretrained(tmp_path / "m")
    assert sorted(x.name for x in d.iterdir()) == ["config.json", "model.safetensors", "tokenizer.json"]
    again = MIREncoder.from_pretrained(d)
    assert torch.equal(again.embed(batch), ref)

    # fp16 storage loads back as float32, close to the original
    d16 = model.save_pretrained(tmp_path / "m16", dtype=torch.float16)
    assert (d16 / "model.safetensors").stat().st_size < (d / "model.safetensors").stat().st_size * 0.6
    m16 = MIREncoder.from_pretrained(d16)
    assert m16.token_embedding.weight.dtype == torch.float32
    assert json.loads((d16 / "config.json").read_text())["torch_dtype"] == "float16"
    torch.testing.assert_close(m16.embed(batch), ref, rtol=0.05, atol=0.05)

    # Hugging Face shards (for transports with a per-file size limit)
    ds = model.save_pretrained(tmp_path / "sharded", dtype=torch.float16, max_shard_size="20KB")
    shards = sorted(p.name for p in ds.glob("model-*-of-*.safetensors"))
    assert len(shards) > 1 and (ds / "model.safetensors.index.json").is_file() and not (ds / "model.safetensors").exists()
    assert all((ds / n).stat().st_size < 20_000 + 20_000 for n in shards)
    assert torch.equal(MIREncoder.from_pretrained(ds).embed(batch), m16.embed(batch))
    (ds / shards[-1]).unlink()
    with pytest.raises(ModelLoadError):
        MIREncoder.from_pretrained(ds)

    from safetensors.torch import load_file, save_file

    state = load_file(str(d / "model.safetensors"))
    bad = tmp_path / "missing"
    model.save_pretrained(bad)
    save_file({k: v for k, v in state.items() if not k.startswith("graph.layers.0.lin_self")}, str(bad / "model.safetensors"))
    with pytest.raises(ModelLoadError, match="missing tensors"):
        MIREncoder.from_pretrained(bad)
    extra = tmp_path / "extra"
    model.save_pretrained(extra)
    save_file({**state, "head.weight": torch.zeros(2)}, str(extra / "model.safetensors"))
    with pytest.raises(ModelLoadError, match="unexpected tensors"):
        MIREncoder.from_pretrained(extra)
    notok = tmp_path / "notok"
    model.save_pretrained(notok)
    (notok / "tokenizer.json").unlink()
    with pytest.raises(TokenizerError):
        MIREncoder.from_pretrained(notok)
    with pytest.raises(ModelLoadError):
        MIREncoder.from_pretrained(tmp_path / "does-not-exist")


def test_random_init_is_seeded_and_leaves_the_global_rng_alone():
    cfg, tok = tiny_config(), ir_tokenizer()
    state = torch.get_rng_state()
    a, b, c = random_init(cfg, tok, seed=1), random_init(cfg, tok, seed=1), random_init(cfg, tok, seed=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.token_embedding.weight, c.token_embedding.weight)


def test_tokenizer_must_match_the_config():
    tok = ir_tokenizer()
    with pytest.raises(TokenizerError):
        MIREncoder(MIREncoderConfig.tiny(vocab_size=tok.vocab_size + 1), tok)


def test_empty_token_sequence_and_empty_edges_do_not_break(model):
    cfg = model.config
    p = EncodedProgram(
        token_ids=np.zeros(0, np.int32), node_kind=np.array([3], np.int8),
        node_tokens=np.zeros((1, cfg.node_text_tokens), np.int32), node_function=np.array([-1], np.int32),
        edge_index=np.zeros((2, 0), np.int64), edge_flow=np.zeros(0, np.int8), edge_position=np.zeros(0, np.int32),
    )
    out = model.embed(collate([p], cfg))
    assert out.shape == (1, cfg.output_dim("both")) and torch.isfinite(out).all()

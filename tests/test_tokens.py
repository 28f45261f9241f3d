"""Tests of sklearn_mirencoder.frontend.tokens: the IR normaliser, IR words and the IR tokenizer.

They run on real programs: small C / C++ / OpenCL sources compiled here with clang-22,
and the devmap IR of ../shared (extracted by the ``devmap_ir_files`` fixture of
conftest.py; skipped with a reason when absent).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_mirencoder.errors import MIREncoderError, TokenizerError
from sklearn_mirencoder.frontend.tokens import (
    MAX_GLOBAL_WORDS,
    NEWLINE_WORD,
    SPECIAL_TOKENS,
    IRTokenizer,
    ir_words,
    normalize_ir,
)

llvm = pytest.importorskip("llvmlite.binding")

HYPOTHESIS = settings(max_examples=200)


# ------------------------------------------------------------------------------------
# helpers: compile real programs
# ------------------------------------------------------------------------------------


def _clang() -> str:
    for name in ("clang-22", "clang"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("clang-22 is not installed: cannot compile the test programs")


def compile_ir(source: str, tmp_path: Path, *, lang: str = "c", opts=("-O1",), name="x") -> str:
    """Canonical IR text (str(module), LLVM 22) of a C / C++ / OpenCL source."""
    suffix = {"c": ".c", "c++": ".cpp", "cl": ".cl"}[lang]
    src = tmp_path / f"{name}{suffix}"
    src.write_text(source)
    out = tmp_path / f"{name}.bc"
    cmd = [_clang(), "-x", lang, *opts, "-c", "-emit-llvm", str(src), "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return str(llvm.parse_bitcode(out.read_bytes()))


PROGRAM_C = r"""
#include <stdio.h>
#include <string.h>
struct point { int x; double y; char name[16]; };
static int table[1000] = {1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,
                          21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40};
long long big = 123456789012345LL;
float gf = 0.1f;
__attribute__((noinline)) int helper(struct point *p, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) { s += p[i].x * 3 + (int)p[i].y; if (s > 100000) break; }
  switch (s & 7) { case 0: s += 1; break; case 1: s *= 2; break; case 3: s -= 9; break;
                   default: s ^= 0x7fffffff; }
  return s;
}
float fmath(float a, double b) { return a * 1.5f + (float)(b * 3.14159) + 0.1f; }
int main(int argc, char **argv) {
  struct point pts[4];
  memset(pts, 0, sizeof pts);
  pts[1].x = argc;
  strcpy(pts[2].name, "abc");
  printf("%d %f\n", helper(pts, argc), fmath(argc, 2.0));
  return table[argc] + (int)(big % 123456789) + (int)gf;
}
"""

PROGRAM_CPP = r"""
#include <vector>
#include <stdexcept>
struct Base { virtual int f(int) = 0; virtual ~Base() {} };
struct D : Base { int k; D(int k) : k(k) {}
  int f(int x) override { if (x < 0) throw std::runtime_error("negative"); return x * k; } };
int run(Base *b, int n) {
  std::vector<int> v;
  try { for (int i = 0; i < n; i++) v.push_back(b->f(i)); } catch (const std::exception &) { return -1; }
  int s = 0; for (int x : v) s += x; return s;
}
int main() { D d(3); return run(&d, 10); }
"""

PROGRAM_CL = r"""
__kernel void saxpy(__global float *y, __global const float *x, const float a, const int n) {
  int i = get_global_id(0);
  if (i < n) y[i] = a * x[i] + y[i] + 0.5f;
}
__kernel void reduce(__global const float *in, __global float *out, __local float *tmp) {
  int l = get_local_id(0);
  tmp[l] = in[get_global_id(0)];
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
    if (l < s) tmp[l] += tmp[l + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (l == 0) out[get_group_id(0)] = tmp[0];
}
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, str]:
    """Canonical IR of the test programs, at several optimisation levels."""
    tmp = tmp_path_factory.mktemp("tokens_programs")
    out = {}
    for level in ("-O0", "-O1"):
        out[f"c{level}"] = compile_ir(PROGRAM_C, tmp, opts=(level,), name=f"c{level}")
    for level in ("-O0", "-O2"):
        out[f"cpp{level}"] = compile_ir(PROGRAM_CPP, tmp, lang="c++", opts=(level,), name=f"cpp{level}")
    out["c-O1-g"] = compile_ir(PROGRAM_C, tmp, opts=("-O1", "-g"), name="cg")
    out["cpp-O2-g"] = compile_ir(PROGRAM_CPP, tmp, lang="c++", opts=("-O2", "-g"), name="cppg")
    out["cl-O1"] = compile_ir(PROGRAM_CL, tmp, lang="cl", opts=("-O1",), name="cl")
    return out


@pytest.fixture(scope="module")
def devmap_texts(devmap_ir_files) -> dict[str, str]:
    """Canonical (LLVM 22) text of every devmap IR file that LLVM 22 can parse."""
    texts = {}
    for path in devmap_ir_files:
        try:
            texts[path.name] = str(llvm.parse_assembly(path.read_text()))
        except RuntimeError:  # one file (rodinia lavaMD) does not parse with LLVM 22
            continue
    assert len(texts) >= 600, f"only {len(texts)} of {len(devmap_ir_files)} devmap files parsed"
    return texts


@pytest.fixture(scope="module")
def devmap_normalized(devmap_texts) -> dict[str, str]:
    return {name: normalize_ir(text) for name, text in devmap_texts.items()}


# ------------------------------------------------------------------------------------
# normalize_ir on the devmap data set
# ------------------------------------------------------------------------------------

SUITES = ("amd-app-sdk", "npb", "nvidia", "parboil", "polybench", "rodinia", "shoc")
_DEFINED = re.compile(r"^define [^@\n]*(@[-\w$.]+|@\"[^\"]*\")\(", re.M)
_DECLARED = re.compile(r"^declare [^@\n]*(@[-\w$.]+|@\"[^\"]*\")\(", re.M)
_EXTERNAL_GLOBAL = re.compile(r"^(@[-\w$.]+) = (?:[\w()]+ )*?external", re.M)


def test_devmap_normalised_text_has_no_identity(devmap_texts, devmap_normalized):
    for name, text in devmap_texts.items():
        n = devmap_normalized[name]
        low = n.lower()
        assert "source_filename" not in n and "target " not in n and "ModuleID" not in n, name
        assert "!" not in n, f"{name}: metadata left"
        assert not re.search(r"#\d", n), f"{name}: attribute reference left"
        assert ";" not in n, f"{name}: comment left"
        assert "attributes" not in n, name
        for suite in SUITES:
            assert suite not in low, f"{name}: suite name {suite!r} left"
        # the file's own name (ModuleID / source_filename) is gone
        stem = re.search(r'source_filename = "([^"]+)"', text)
        if stem:
            assert Path(stem.group(1)).stem.lower() not in low, name
        # every defined function is renamed, only declared symbols keep their names
        kept = set(_DECLARED.findall(text)) | set(_EXTERNAL_GLOBAL.findall(text))
        for word in re.findall(r"@[-\w$.\"]+", n):
            assert re.fullmatch(r"@[fg]\d+", word) or word in kept, f"{name}: {word} kept"
        for defined in _DEFINED.findall(text):
            assert not re.search(re.escape(defined) + r"\b", n), f"{name}: {defined} left"
        # one instruction per line, no indentation, single spaces
        assert "  " not in n and "\n " not in n and not n.startswith(" "), name
        assert re.search(r"^%b0:$", n, re.M), name


def test_devmap_normalisation_is_idempotent(devmap_normalized):
    for name, n in devmap_normalized.items():
        assert normalize_ir(n) == n, name


def test_devmap_words_match_the_hf_pre_tokenizer(devmap_normalized, tokenizer):
    tok = tokenizer.tokenizer
    for name, n in list(devmap_normalized.items())[::20]:
        hf = [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(tok.normalizer.normalize_str(n))]
        assert hf == ir_words(n), name


# ------------------------------------------------------------------------------------
# normalize_ir on compiled programs
# ------------------------------------------------------------------------------------


def test_renaming_does_not_change_the_text(tmp_path):
    a = """
    struct point { int x, y; };
    static int counter = 3;
    int foo(int a, int b) { return a + b + counter; }
    int use_it(struct point *p) { return foo(p->x, p->y); }
    """
    b = """
    struct pt { int u, v; };
    static int total = 3;
    int bar(int x, int y) { return x + y + total; }
    int caller(struct pt *q) { return bar(q->u, q->v); }
    """
    c = a.replace("a + b", "a * b")
    for opts in (("-O0", "-fno-discard-value-names"), ("-O1",)):
        ta = compile_ir(a, tmp_path, opts=opts, name="a")
        tb = compile_ir(b, tmp_path, opts=opts, name="b")
        tc = compile_ir(c, tmp_path, opts=opts, name="c")
        assert ta != tb  # the names differ in the raw text...
        assert normalize_ir(ta) == normalize_ir(tb)  # ...but not after normalisation
        assert normalize_ir(ta) != normalize_ir(tc)  # an opcode is not a name
        assert "mul" in normalize_ir(tc) and "mul" not in normalize_ir(ta)


def test_debug_info_does_not_change_the_text(compiled):
    assert normalize_ir(compiled["c-O1"]) == normalize_ir(compiled["c-O1-g"])
    assert normalize_ir(compiled["cpp-O2"]) == normalize_ir(compiled["cpp-O2-g"])
    assert "#dbg" in compiled["c-O1-g"] and "dbg" not in normalize_ir(compiled["c-O1-g"])


def test_normalisation_decisions(compiled):
    text = compiled["c-O1"]
    n = normalize_ir(text)
    lines = n.split("\n")
    # dropped
    for word in (" align ", "noundef", "dso_local", "local_unnamed_addr", "!tbaa", "#0", "; preds"):
        assert word not in n, word
    assert "align 4" in text and "noundef" in text and "!tbaa" in text
    # kept: opcodes, flags, predicates, external callees, intrinsics
    for word in ("getelementptr inbounds", "icmp sgt", "add nsw", "switch i32",
                 "@printf", "@llvm.memset", "phi i32", "ret i32"):
        assert word in n, word
    # abstracted: defined functions and globals, blocks, values, struct types
    assert "@helper" not in n and "@main" not in n and "@table" not in n and "@big" not in n
    assert re.search(r"^define i32 @f\d+\(", n, re.M)
    assert re.search(r"^@g\d+ = internal constant", n, re.M)
    assert "%struct" not in n and re.search(r"^%t0 = type \{ i32, double, \[16 x i8\] \}$", n, re.M)
    assert all(re.fullmatch(r"%[vbt]\d+", w) for w in re.findall(r"%[-\w$.\"]+", n))
    # one instruction per line: switch cases are joined to their switch
    assert any(line.startswith("switch i32 ") and line.endswith("]") for line in lines)
    assert not any(line.startswith(("i32 ", "]")) for line in lines)
    # constants: strings, big integers, masks, floats
    assert 'c"' not in n and "<str>" in n
    assert "<int15>" in n  # 123456789012345
    assert "2147483647" in n  # 0x7fffffff is a mask: kept
    assert "0x" not in n and "e+" not in n and "e-" not in n
    assert "0.1" in n  # 0.1f, printed in hexadecimal by LLVM
    assert "1.5" in n and "<float>" in n  # 3.14159 is not a common value
    # the 1000-element initialiser is cut
    table = next(line for line in lines if line.startswith("@") and "internal constant" in line)
    assert "..." in table and len(ir_words(table)) <= MAX_GLOBAL_WORDS + 8


def test_normalisation_of_cpp_and_opencl(compiled):
    cpp = normalize_ir(compiled["cpp-O0"])
    assert "invoke " in cpp and " to label %b" in cpp and "landingpad" in cpp
    assert not any(line.startswith(("to ", "catch ", "cleanup")) for line in cpp.split("\n"))
    assert "comdat" not in cpp and "$_Z" not in cpp
    assert "@__gxx_personality_v0" in cpp  # declared: kept
    assert "@_ZN1D1fEi" not in cpp  # defined: renamed
    cl = normalize_ir(compiled["cl-O1"])
    assert "spir_kernel" in cl or "define" in cl
    assert "@_Z13get_global_idj" in cl and "@saxpy" not in cl and "@reduce" not in cl
    assert "<str>" not in cl and "kernel_arg" not in cl


def test_normalisation_is_deterministic_across_processes(compiled, tmp_path):
    text = compiled["cpp-O2"]
    path = tmp_path / "m.ll"
    path.write_text(text)
    code = (
        "import sys, llvmlite.binding as llvm\n"
        "from sklearn_mirencoder.frontend.tokens import normalize_ir\n"
        "t = open(sys.argv[1]).read()\n"
        "for _ in range(3): llvm.parse_assembly(t)  # renames the struct types of later parses\n"
        "sys.stdout.write(normalize_ir(str(llvm.parse_assembly(t))))\n"
    )
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout == normalize_ir(text)


def test_ir_words_examples():
    n = normalize_ir(
        "define <4 x float> @k(<4 x float> %x) {\n"
        "  %1 = fmul <4 x float> %x, <float 1.0e+00, float 2.5e+00, float 3.3e+00, float -7.7e+00>\n"
        "  ret <4 x float> %1\n}\n"
    )
    words = ir_words(n)
    assert words[:8] == ["define", "<", "4", "x", "float", ">", "@f0", "("]
    assert words.count(NEWLINE_WORD) == n.count("\n")
    assert "<float>" in words and "2.5" in words and "-" in words
    assert ir_words("") == []
    assert ir_words("a\nb") == ["a", NEWLINE_WORD, "b"]


# ------------------------------------------------------------------------------------
# properties (hypothesis)
# ------------------------------------------------------------------------------------

_IR_ALPHABET = list('%@!#;:,()[]{}<>"cx -+.0123456789\n\t=$\\_abdefilnprstuvw\x00\x85\u2028\r')
_IR_PIECES = [
    "align 4", " noundef", ", !dbg !5", 'c"ab"', '"x y"', "<nl>", "0x3FF0000000000000",
    "123456789", "define void @f() {", "}", "\n  ", "; preds = %1", "label %1", "\n1:",
    " #0", "attributes #0 = { x }", " = type {", "@g = global i32 1", "external ",
    "\n    i32 0, label %3", "\n  ]", "\n          to label %4", "1.500000e+00", "#dbg_value(",
]

_ir_like = st.lists(
    st.one_of(st.sampled_from(_IR_ALPHABET), st.sampled_from(_IR_PIECES)), max_size=40
).map("".join)


@HYPOTHESIS
@given(st.one_of(st.text(max_size=300), _ir_like))
def test_normalize_never_raises_and_is_idempotent(text):
    n = normalize_ir(text)
    assert normalize_ir(n) == n
    words = ir_words(n)
    # the words are the text without its spaces; <nl> stands for the line breaks
    assert "".join(w for w in words if w != NEWLINE_WORD) == re.sub(r"[ \n]", "", n)
    assert words.count(NEWLINE_WORD) == (n.count("\n") if n else 0)


@pytest.fixture(scope="module")
def real_lines(compiled) -> list[str]:
    return [line for t in compiled.values() for line in t.split("\n") if line.strip()]


_mutation = st.tuples(
    st.sampled_from(["insert", "delete", "swap", "duplicate"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
    st.one_of(st.sampled_from(_IR_ALPHABET), st.sampled_from(_IR_PIECES)),
)


def _mutate(text: str, mutations) -> str:
    for op, i, j, piece in mutations:
        i %= len(text) + 1
        j %= len(text) + 1
        i, j = min(i, j), max(i, j)
        if op == "insert":
            text = text[:i] + piece + text[i:]
        elif op == "delete":
            text = text[:i] + text[j:]
        elif op == "swap":
            text = text[:i] + text[j:] + text[i:j]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


def test_mutated_real_ir_is_normalised_idempotently(real_lines):
    @HYPOTHESIS
    @given(st.integers(0, len(real_lines) - 1), st.integers(1, 12), st.lists(_mutation, max_size=5))
    def check(start, count, mutations):
        text = _mutate("\n".join(real_lines[start : start + count]), mutations)
        n = normalize_ir(text)
        assert normalize_ir(n) == n

    check()


def test_words_agree_with_hf_pre_tokenizer_on_arbitrary_text(tokenizer):
    hf = tokenizer.tokenizer

    @HYPOTHESIS
    @given(st.one_of(st.text(max_size=200), _ir_like))
    def check(text):
        n = normalize_ir(text)
        words = [w for w, _ in hf.pre_tokenizer.pre_tokenize_str(hf.normalizer.normalize_str(n))]
        assert words == ir_words(n)

    check()


# ------------------------------------------------------------------------------------
# IRTokenizer
# ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def training_texts(devmap_texts, compiled) -> list[str]:
    devmap = list(devmap_texts.values())
    return devmap[:: max(1, len(devmap) // 45)][:45] + list(compiled.values())


@pytest.fixture(scope="module")
def tokenizer(training_texts) -> IRTokenizer:
    return IRTokenizer.train(training_texts, vocab_size=500)


def test_train_encode_decode(tokenizer, compiled):
    assert tokenizer.vocab_size == 500
    for i, special in enumerate(SPECIAL_TOKENS):  # first, in the given order
        assert tokenizer.token_to_id(special) == i
    special_ids = (tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id, tokenizer.sep_id, tokenizer.mask_id)
    assert special_ids == (0, 1, 2, 3, 4)
    assert tokenizer.token_to_id(NEWLINE_WORD) is not None
    text = compiled["c-O1"]
    ids = tokenizer.encode(text)
    assert ids.dtype == np.int32 and ids.ndim == 1 and len(ids) > 100
    assert ids.min() >= 0 and ids.max() < tokenizer.vocab_size
    n = normalize_ir(text)
    assert np.array_equal(tokenizer.encode(n, normalized=True), ids)
    # decoding gives the IR words back (the model saw every character of this program)
    decoded = tokenizer.decode(ids)
    assert decoded.split("\n")[0].split() == ir_words(n.split("\n")[0])
    assert decoded.split() == [w for w in ir_words(n) if w != NEWLINE_WORD]
    # no truncation unless asked; special tokens on request
    long = tokenizer.encode(text, add_special_tokens=True)
    assert long[0] == tokenizer.cls_id and long[-1] == tokenizer.sep_id and len(long) == len(ids) + 2
    cut = tokenizer.encode(text, max_length=10, add_special_tokens=True)
    assert len(cut) == 10 and cut[0] == tokenizer.cls_id and cut[-1] == tokenizer.sep_id
    assert len(tokenizer.encode(text, max_length=7)) == 7
    batch = tokenizer.encode_batch([compiled["c-O0"], compiled["cl-O1"], ""])
    assert np.array_equal(batch[0], tokenizer.encode(compiled["c-O0"]))
    assert np.array_equal(batch[1], tokenizer.encode(compiled["cl-O1"]))
    assert batch[2].size == 0 and batch[2].dtype == np.int32


def test_unseen_words_become_subwords_or_unk(tokenizer):
    for text in ("define void @zzqqxx_never_seen_before() {\n ret void\n}",
                 "%1 = frobnicate i7777 %0, \u00e9\u00e9 \u2603", "\x00\x01\x02", "\ufffd" * 5):
        ids = tokenizer.encode(text)
        assert ids.size > 0 and ids.max() < tokenizer.vocab_size
    ids = tokenizer.encode("@zzqqxx_never_seen_before")
    assert len(ids) > 1 or ids[0] == tokenizer.unk_id
    assert tokenizer.unk_id in tokenizer.encode("\u2603").tolist()


def test_save_load_pickle_round_trips(tokenizer, compiled, tmp_path):
    text = compiled["cpp-O0"]
    ids = tokenizer.encode(text)
    path = tmp_path / "tokenizer.json"
    tokenizer.save(path)
    json.loads(path.read_text())  # the Hugging Face format
    loaded = IRTokenizer.from_file(path)
    assert np.array_equal(loaded.encode(text), ids)
    assert loaded.vocab_size == tokenizer.vocab_size and loaded.mask_id == tokenizer.mask_id
    again = IRTokenizer.from_str(tokenizer.to_str())
    assert np.array_equal(again.encode(text), ids)
    clone = pickle.loads(pickle.dumps(tokenizer))
    assert np.array_equal(clone.encode(text), ids)
    assert clone.to_str() == tokenizer.to_str()


def test_same_ids_and_same_training_in_another_process(tokenizer, training_texts, compiled, tmp_path):
    text = compiled["c-O1"]
    (tmp_path / "m.ll").write_text(text)
    (tmp_path / "texts.json").write_text(json.dumps([normalize_ir(t) for t in training_texts]))
    tokenizer.save(tmp_path / "tokenizer.json")
    code = (
        "import json, sys\n"
        "from sklearn_mirencoder.frontend.tokens import IRTokenizer\n"
        "d = sys.argv[1]\n"
        "t = IRTokenizer.from_file(d + '/tokenizer.json')\n"
        "print(' '.join(map(str, t.encode(open(d + '/m.ll').read()))))\n"
        "texts = json.load(open(d + '/texts.json'))\n"
        "print(IRTokenizer.train(texts, vocab_size=500, normalized=True).to_str())\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")  # another string-hash order
    res = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                         timeout=300, env=env)
    assert res.returncode == 0, res.stderr
    ids_line, json_line = res.stdout.split("\n")[:2]
    assert list(map(int, ids_line.split())) == tokenizer.encode(text).tolist()
    assert json_line == tokenizer.to_str()  # training does not depend on the process


def test_training_is_deterministic_and_bpe_works(training_texts, tokenizer, compiled):
    again = IRTokenizer.train(training_texts, vocab_size=500)
    assert again.to_str() == tokenizer.to_str()
    bpe = IRTokenizer.train(training_texts[:20], vocab_size=400, model="bpe")
    ids = bpe.encode(compiled["c-O1"])
    assert ids.size > 0 and ids.max() < bpe.vocab_size and bpe.mask_id == 4
    words = [w for w in ir_words(normalize_ir(compiled["c-O1"])) if w != NEWLINE_WORD]
    assert bpe.decode(ids).split() == words


def _rust_ids(tok: IRTokenizer, normalized: str) -> list[int]:
    """What the wrapped Hugging Face tokenizer gives for the whole text (no word cache)."""
    return tok.tokenizer.encode(normalized, add_special_tokens=False).ids


def test_word_cache_gives_the_wrapped_tokenizers_ids_on_real_ir(tokenizer, training_texts, devmap_normalized):
    bpe = IRTokenizer.train(training_texts[:20], vocab_size=400, model="bpe")
    texts = list(devmap_normalized.values())
    for tok in (tokenizer, bpe):
        for n in texts:
            assert tok.encode(n, normalized=True).tolist() == _rust_ids(tok, n)
        # pre-split words, a batch, and a cache that starts over give the same ids
        n = texts[0]
        assert tok.encode(n, normalized=True, words=ir_words(n)).tolist() == _rust_ids(tok, n)
        assert [a.tolist() for a in tok.encode_batch(texts[:5], normalized=True)] == [
            _rust_ids(tok, t) for t in texts[:5]
        ]
    small = IRTokenizer.from_str(tokenizer.to_str())
    small.WORD_CACHE_SIZE = 50
    for n in texts[:20]:
        assert small.encode(n, normalized=True).tolist() == _rust_ids(tokenizer, n)
    assert len(small._word_cache) <= 50


def test_word_cache_gives_the_wrapped_tokenizers_ids_on_arbitrary_text(tokenizer):
    specials = st.sampled_from(["[MASK]", "[UNK]", "[PAD]", "[CLS]", "[SEP]", " [MASK] ", "<nl>", "\u00e9", "\x1c"])

    @HYPOTHESIS
    @given(st.lists(st.one_of(st.text(max_size=40), _ir_like, specials), max_size=6).map("".join))
    def check(text):
        n = normalize_ir(text)
        assert tokenizer.encode(n, normalized=True).tolist() == _rust_ids(tokenizer, n)
        # not normalised: the wrapped tokenizer still sees the same words
        assert tokenizer.encode(text, normalized=True).tolist() == _rust_ids(tokenizer, text)

    check()


def test_training_arguments_are_checked(training_texts):
    with pytest.raises(TokenizerError, match="model"):
        IRTokenizer.train(training_texts[:2], model="unigram")
    with pytest.raises(TokenizerError, match=r"\[MASK\]"):
        IRTokenizer.train(training_texts[:2], special_tokens=("[PAD]", "[UNK]", "[CLS]", "[SEP]"))
    with pytest.raises(TokenizerError, match="vocab_size"):
        IRTokenizer.train(training_texts[:2], vocab_size=3)


def test_from_file_errors_name_the_file(tokenizer, tmp_path):
    missing = tmp_path / "nope" / "tokenizer.json"
    with pytest.raises(TokenizerError, match=re.escape(str(missing))):
        IRTokenizer.from_file(missing)

    not_tok = tmp_path / "config.json"
    not_tok.write_text(json.dumps({"hidden": 256, "layers": 4}))
    with pytest.raises(TokenizerError, match=re.escape(str(not_tok))):
        IRTokenizer.from_file(not_tok)

    not_json = tmp_path / "garbage.json"
    not_json.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(TokenizerError, match=re.escape(str(not_json))):
        IRTokenizer.from_file(not_json)

    no_mask = tmp_path / "no_mask.json"
    no_mask.write_text(tokenizer.to_str().replace('"[MASK]"', '"[MASQ]"'))
    with pytest.raises(TokenizerError, match=re.escape(str(no_mask))) as info:
        IRTokenizer.from_file(no_mask)
    assert "[MASK]" in str(info.value)
    assert isinstance(info.value, MIREncoderError)


def test_foreign_pre_tokenizer_is_rejected(tmp_path):
    import tokenizers

    vocab = {t: i for i, t in enumerate([*SPECIAL_TOKENS, "a", "b"])}
    tok = tokenizers.Tokenizer(tokenizers.models.WordPiece(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    path = tmp_path / "bert.json"
    tok.save(str(path))
    with pytest.raises(TokenizerError, match="IR words"):
        IRTokenizer.from_file(path)

"""The ProGraML-style graph builder, checked by hand on small programs."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from sklearn_mirencoder.errors import GraphError
from sklearn_mirencoder.frontend.graph import (
    CALL,
    CONSTANT,
    CONTROL,
    DATA,
    EXTERNAL,
    INSTRUCTION,
    VARIABLE,
    ProGraMLBuilder,
    ProgramGraph,
    get_graph_builder,
    register_graph_builder,
)
from sklearn_mirencoder.frontend.ir import to_ir


def build(ir_text: str) -> ProgramGraph:
    graph = ProGraMLBuilder().build(to_ir(ir_text, language="llvm-ir", name="hand.ll"))
    graph.validate()
    return graph


def edges(graph: ProgramGraph) -> set[tuple[str, str, int, int]]:
    """Edges as (source full text, target full text, flow, position)."""
    t = graph.node_full_text
    return {
        (t[s], t[d], int(f), int(p))
        for (s, d), f, p in zip(graph.edge_index.T.tolist(), graph.edge_flow, graph.edge_position)
    }


def node(graph: ProgramGraph, full_text: str) -> int:
    hits = np.flatnonzero(graph.node_full_text == full_text)
    assert hits.size == 1, (full_text, graph.node_full_text.tolist())
    return int(hits[0])


STRAIGHT = """
define i32 @f(i32 %a, i32 %b) {
entry:
  %m = mul nsw i32 %a, %b
  %s = add nsw i32 %m, 3
  ret i32 %s
}
"""


def test_straight_line_function_has_exactly_the_programl_nodes_and_edges():
    g = build(STRAIGHT)
    kinds = dict(zip(g.node_full_text.tolist(), g.node_kind.tolist()))
    assert kinds == {
        "[external]": EXTERNAL,
        "i32 %a": VARIABLE,
        "i32 %b": VARIABLE,
        "%m = mul nsw i32 %a, %b": INSTRUCTION,
        "i32 %m": VARIABLE,
        "%s = add nsw i32 %m, 3": INSTRUCTION,
        "i32 %s": VARIABLE,
        "ret i32 %s": INSTRUCTION,
        "i32 3": CONSTANT,
    }
    mul, add, ret = "%m = mul nsw i32 %a, %b", "%s = add nsw i32 %m, 3", "ret i32 %s"
    assert edges(g) == {
        ("[external]", mul, CALL, 0),  # the root calls the function's entry
        (ret, "[external]", CALL, 0),  # and the return goes back to it
        (mul, add, CONTROL, 0),
        (add, ret, CONTROL, 0),
        ("i32 %a", mul, DATA, 0),
        ("i32 %b", mul, DATA, 1),
        (mul, "i32 %m", DATA, 0),
        ("i32 %m", add, DATA, 0),
        ("i32 3", add, DATA, 1),
        (add, "i32 %s", DATA, 0),
        ("i32 %s", ret, DATA, 0),
    }
    assert g.node_text[node(g, mul)] == "mul"
    assert g.node_text[node(g, "i32 3")] == "i32"
    assert g.function_names == ("@f",)


def test_conditional_branch_lists_the_true_destination_first():
    g = build("""
define i32 @g(i32 %x) {
entry:
  %c = icmp sgt i32 %x, 0
  br i1 %c, label %yes, label %no
yes:
  ret i32 1
no:
  ret i32 2
}
""")
    br = "br i1 %c, label %yes, label %no"
    e = edges(g)
    assert (br, "ret i32 1", CONTROL, 0) in e
    assert (br, "ret i32 2", CONTROL, 1) in e
    assert ("i1 %c", br, DATA, 0) in e
    assert g.node_text[node(g, "i1 %c")] == "i1"  # icmp defines an i1, whatever it compares


def test_switch_successors_default_first_and_case_values_are_not_operands():
    g = build("""
define i32 @s(i32 %x) {
entry:
  switch i32 %x, label %d [
    i32 7, label %a
    i32 9, label %b
  ]
a:
  ret i32 10
b:
  ret i32 20
d:
  ret i32 30
}
""")
    sw = next(t for t in g.node_full_text if t.startswith("switch"))
    e = edges(g)
    assert {(s, d, f, p) for s, d, f, p in e if s == sw} == {
        (sw, "ret i32 30", CONTROL, 0),
        (sw, "ret i32 10", CONTROL, 1),
        (sw, "ret i32 20", CONTROL, 2),
    }
    assert {(s, p) for s, d, f, p in e if d == sw and f == DATA} == {("i32 %x", 0)}
    assert "i32 7" not in g.node_full_text.tolist()


def test_calls_link_sites_to_callee_entries_and_returns_back():
    g = build("""
define internal i32 @sq(i32 %x) {
entry:
  %r = mul i32 %x, %x
  ret i32 %r
}
define i32 @main() {
entry:
  %v = call i32 @sq(i32 4)
  %w = call i32 @ext(i32 %v, i32 5)
  ret i32 %w
}
declare i32 @ext(i32, i32)
""")
    e = edges(g)
    c1, c2 = "%v = call i32 @sq(i32 4)", "%w = call i32 @ext(i32 %v, i32 5)"
    assert (c1, "%r = mul i32 %x, %x", CALL, 0) in e
    assert ("ret i32 %r", c1, CALL, 0) in e
    ext = node(g, "declare @ext")
    assert g.node_kind[ext] == EXTERNAL and g.node_text[ext] == "ext"
    assert (c2, "declare @ext", CALL, 0) in e and ("declare @ext", c2, CALL, 0) in e
    # arguments are operands 0..n-1; the callee is not a data operand
    assert ("i32 %v", c2, DATA, 0) in e and ("i32 5", c2, DATA, 1) in e
    assert ("i32 4", c1, DATA, 0) in e
    # the same value used twice gets two data edges, one per operand position
    assert ("i32 %x", "%r = mul i32 %x, %x", DATA, 0) in e
    assert ("i32 %x", "%r = mul i32 %x, %x", DATA, 1) in e
    # the root reaches both functions
    assert ("[external]", c1, CALL, 0) in e and ("[external]", "%r = mul i32 %x, %x", CALL, 0) in e


def test_indirect_call_callee_is_the_last_operand():
    g = build("""
define i32 @ind(ptr %fp, i32 %a) {
entry:
  %r = call i32 %fp(i32 %a, i32 1)
  ret i32 %r
}
""")
    call = "%r = call i32 %fp(i32 %a, i32 1)"
    e = edges(g)
    assert ("ptr %fp", call, DATA, 2) in e
    assert ("i32 %a", call, DATA, 0) in e and ("i32 1", call, DATA, 1) in e


def test_phi_store_gep_and_globals():
    g = build("""
@counter = global i32 0
define void @loop(ptr %p, i32 %n) {
entry:
  br label %head
head:
  %i = phi i32 [ 0, %entry ], [ %next, %body ]
  %done = icmp eq i32 %i, %n
  br i1 %done, label %exit, label %body
body:
  %slot = getelementptr inbounds i32, ptr %p, i32 %i
  store i32 %i, ptr %slot, align 4
  store i32 %i, ptr @counter, align 4
  %next = add i32 %i, 1
  br label %head
exit:
  ret void
}
""")
    e = edges(g)
    phi = "%i = phi i32 [ 0, %entry ], [ %next, %body ]"
    assert ("i32 0", phi, DATA, 0) in e and ("i32 %next", phi, DATA, 1) in e
    st = "store i32 %i, ptr %slot, align 4"
    assert ("i32 %i", st, DATA, 0) in e and ("ptr %slot", st, DATA, 1) in e
    gep = "%slot = getelementptr inbounds i32, ptr %p, i32 %i"
    assert ("ptr %p", gep, DATA, 0) in e and ("i32 %i", gep, DATA, 1) in e
    assert ("ptr @counter", "store i32 %i, ptr @counter, align 4", DATA, 1) in e
    assert g.node_kind[node(g, "ptr @counter")] == VARIABLE
    # the loop's back edge and the exit
    assert ("br label %head", phi, CONTROL, 0) in e
    assert ("br i1 %done, label %exit, label %body", "ret void", CONTROL, 0) in e
    assert ("br i1 %done, label %exit, label %body", gep, CONTROL, 1) in e


def test_unreachable_blocks_are_left_out_and_counted():
    g = build("""
define i32 @u(i32 %x) {
entry:
  ret i32 %x
dead:
  %y = add i32 %x, 1
  ret i32 %y
}
""")
    assert g.meta["unreachable_blocks"] == 1
    assert "%y = add i32 %x, 1" not in g.node_full_text.tolist()


def test_invoke_and_landingpad_from_compiled_cpp():
    src = """
int may_throw(int);
int g(int n) {
  int r = 0;
  try { r = may_throw(n); } catch (int e) { r = e; }
  return r;
}
"""
    g = ProGraMLBuilder().build(to_ir(src, language="c++", name="eh.cpp"))
    g.validate()
    e = edges(g)
    invoke = next(t for t in g.node_full_text if "invoke" in t)
    succ = sorted((p, d) for s, d, f, p in e if s == invoke and f == CONTROL)
    assert [p for p, _ in succ] == [0, 1]
    assert "landingpad" in succ[1][1]  # the unwind destination is successor 1
    assert any(s == invoke and d == "declare @_Z9may_throwi" and f == CALL for s, d, f, p in e)
    lp = next(t for t in g.node_full_text if "landingpad" in t)
    assert any(d == lp and f == DATA and "@_ZTIi" in s for s, d, f, p in e)  # the catch clause


def test_graph_is_plain_and_converts(tmp_path):
    g = build(STRAIGHT)
    g2 = pickle.loads(pickle.dumps(g))
    assert g2.digest() == g.digest()
    data = g.to_pyg(node_vocab={"mul": 0, "add": 1})
    assert data.num_nodes == g.num_nodes
    assert data.edge_index.shape == (2, g.num_edges)
    assert data.edge_flow.tolist() == g.edge_flow.tolist()
    assert data.x.tolist()[node(g, "%m = mul nsw i32 %a, %b")] == 0
    assert data.x.tolist()[0] == 2  # unknown text
    nxg = g.to_networkx()
    assert nxg.number_of_nodes() == g.num_nodes and nxg.number_of_edges() == g.num_edges
    assert nxg.nodes[0]["kind"] == "external"
    assert {d["flow"] for _, _, d in nxg.edges(data=True)} == {"control", "data", "call"}


def test_validate_rejects_broken_graphs():
    g = build(STRAIGHT)
    g.edge_index = g.edge_index.copy()
    g.edge_index[1, 0] = g.num_nodes + 5
    with pytest.raises(GraphError, match="out of range"):
        g.validate()
    g = build(STRAIGHT)
    keep = g.edge_flow != CONTROL
    g.edge_index, g.edge_flow, g.edge_position = g.edge_index[:, keep], g.edge_flow[keep], g.edge_position[keep]
    with pytest.raises(GraphError, match="unreachable"):
        g.validate()


def test_text_that_is_not_canonical_ir_raises_graph_error():
    with pytest.raises(GraphError, match="hand.ll"):
        ProGraMLBuilder().build_from_text("define i32 @f() {\n  ret i32 0\n", name="hand.ll")


def test_builders_can_be_swapped():
    class Chain:
        name = "chain"

        def build(self, ir):
            n = ir.text.count("\n")
            return ProgramGraph(
                node_kind=np.zeros(n, np.int8),
                node_text=np.array(["line"] * n, dtype=object),
                node_full_text=np.array(ir.text.split("\n")[:n], dtype=object),
                node_function=np.zeros(n, np.int32),
                edge_index=np.array([np.arange(n - 1), np.arange(1, n)], dtype=np.int64),
                edge_flow=np.zeros(n - 1, np.int8),
                edge_position=np.zeros(n - 1, np.int32),
                name=ir.name,
            )

    register_graph_builder("chain", Chain)
    builder = get_graph_builder("chain")
    g = builder.build(to_ir(STRAIGHT, language="llvm-ir"))
    g.validate()
    assert isinstance(get_graph_builder(None), ProGraMLBuilder)
    with pytest.raises(ValueError, match="unknown graph builder"):
        get_graph_builder("nope")
    with pytest.raises(TypeError):
        get_graph_builder(42)

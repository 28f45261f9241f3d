"""Graph builders for the tests of ``MIRTransformer(graph_builder=...)`` (importable by
joblib's worker processes, unlike classes defined inside a test)."""

from __future__ import annotations

import numpy as np

from sklearn_mirencoder.frontend.graph import CONTROL, INSTRUCTION, ProGraMLBuilder, ProgramGraph


class ControlFlowOnly:
    """The ProGraML graph cut down to its instructions and control edges (and, with
    ``keep_data=True``, data edges between instructions)."""

    name = "control-flow-only"

    def __init__(self, keep_data: bool = False):
        self.keep_data = keep_data

    def build(self, ir) -> ProgramGraph:
        g = ProGraMLBuilder().build(ir)
        keep = g.node_kind == INSTRUCTION
        new = np.full(g.num_nodes, -1, dtype=np.int64)
        new[keep] = np.arange(int(keep.sum()))
        src, dst = g.edge_index
        edges = keep[src] & keep[dst] & ((g.edge_flow == CONTROL) | self.keep_data)
        return ProgramGraph(
            node_kind=g.node_kind[keep],
            node_text=g.node_text[keep],
            node_full_text=g.node_full_text[keep],
            node_function=g.node_function[keep],
            edge_index=np.stack([new[src[edges]], new[dst[edges]]]),
            edge_flow=g.edge_flow[edges],
            edge_position=g.edge_position[edges],
            function_names=g.function_names,
            name=ir.name,
        )


class UnknownKinds(ControlFlowOnly):
    """Breaks the graph contract: node kind 9, which no model knows."""

    name = "unknown-kinds"

    def build(self, ir) -> ProgramGraph:
        g = super().build(ir)
        g.node_kind = np.full_like(g.node_kind, 9)
        return g

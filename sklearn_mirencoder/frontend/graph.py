"""Program graphs: the structure modality of MIREncoder.

:class:`ProgramGraph` is a plain, picklable record of numpy arrays; it converts to a
:class:`torch_geometric.data.Data` for the encoder and to a :class:`networkx.MultiDiGraph`
for inspection.  Graphs come from a *graph builder*: any object with a ``name`` and a
``build(ir) -> ProgramGraph`` method (:class:`GraphBuilder`).  The default,
:class:`ProGraMLBuilder`, follows ProGraML (Cummins et al., ICML 2021):

Nodes
    * **instruction** nodes, one per instruction (``text`` is the opcode, ``full_text`` the
      instruction as printed);
    * **variable** nodes, one per value an instruction defines, per function argument and per
      global variable (``text`` is the type);
    * **constant** nodes, one per distinct (type, literal) operand in a function (``text`` is
      the type);
    * **external** nodes: node 0 is the module's ``[external]`` root, which calls every defined
      function; every called function that has no body here (a library call, an intrinsic, an
      OpenCL builtin) gets one node whose ``text`` is its name.

Edges, each with a *flow* and a *position*
    * **control** (flow 0): from each instruction to the next in its block (position 0), and
      from a terminator to the first instruction of each successor (position = successor index
      in LLVM's order: a conditional ``br`` lists the true destination first; a ``switch``
      its default first);
    * **data** (flow 1): from an instruction to the variable it defines (position 0), and from
      a variable or constant to each instruction using it (position = operand index: call
      arguments ``0..n-1``, the callee ``n``; ``store`` value 0, pointer 1; a ``switch`` case
      value is not an operand);
    * **call** (flow 2): from a call site to the callee's entry instruction and from each of
      the callee's ``ret`` back to the call site (position 0); calls to functions without a
      body go to and come back from their external node.

Blocks that cannot be reached from their function's entry (dead code clang sometimes
leaves at ``-O0``) are left out, so every instruction node is reachable from its
function's entry through control edges; ``ProgramGraph.meta["unreachable_blocks"]`` counts
them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..errors import GraphError
from .irtext import IRTextError, read_module

if TYPE_CHECKING:  # pragma: no cover
    from .ir import IRModule

__all__ = [
    "NODE_KINDS",
    "EDGE_FLOWS",
    "ProgramGraph",
    "GraphBuilder",
    "ProGraMLBuilder",
    "get_graph_builder",
    "register_graph_builder",
]

#: Node kinds, in the order of their integer codes.
NODE_KINDS = ("instruction", "variable", "constant", "external")
#: Edge flows, in the order of their integer codes.
EDGE_FLOWS = ("control", "data", "call")

INSTRUCTION, VARIABLE, CONSTANT, EXTERNAL = range(4)
CONTROL, DATA, CALL = range(3)


@dataclass(eq=False)
class ProgramGraph:
    """A directed multigraph of a program, stored as numpy arrays.

    Attributes
    ----------
    node_kind : ndarray of int8, shape (n_nodes,)
        Index into :data:`NODE_KINDS`.
    node_text : ndarray of object (str), shape (n_nodes,)
        Short text: opcode for instructions, type for variables and constants, name for
        external nodes.
    node_full_text : ndarray of object (str), shape (n_nodes,)
        The instruction as printed, or ``"<type> <value>"`` for variables and constants.
    node_function : ndarray of int32, shape (n_nodes,)
        Index of the function a node belongs to, or -1 for module-level nodes.
    edge_index : ndarray of int64, shape (2, n_edges)
        Source and target node of each edge.
    edge_flow : ndarray of int8, shape (n_edges,)
        Index into :data:`EDGE_FLOWS`.
    edge_position : ndarray of int32, shape (n_edges,)
        Operand or successor position (see the module docstring).
    function_names : tuple of str
        Names of the defined functions, in the order used by ``node_function``.
    name : str
        The sample the graph was built from.
    meta : dict
        The builder's name and statistics.
    """

    node_kind: np.ndarray
    node_text: np.ndarray
    node_full_text: np.ndarray
    node_function: np.ndarray
    edge_index: np.ndarray
    edge_flow: np.ndarray
    edge_position: np.ndarray
    function_names: tuple[str, ...] = ()
    name: str = "<string>"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        return int(self.node_kind.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.edge_flow.shape[0])

    def __repr__(self) -> str:
        kinds = np.bincount(self.node_kind, minlength=len(NODE_KINDS))
        flows = np.bincount(self.edge_flow, minlength=len(EDGE_FLOWS))
        k = ", ".join(f"{n}={c}" for n, c in zip(NODE_KINDS, kinds))
        f = ", ".join(f"{n}={c}" for n, c in zip(EDGE_FLOWS, flows))
        return f"ProgramGraph(name={self.name!r}, nodes={self.num_nodes} ({k}), edges={self.num_edges} ({f}))"

    def validate(self) -> None:
        """Check the invariants every builder must keep; raise :class:`GraphError` if broken.

        Array shapes and dtypes agree, edge endpoints are in range, flows and kinds are known,
        positions are non-negative, and every instruction node is reachable from its
        function's entry instruction through control edges.
        """
        n = self.num_nodes
        problems = []
        for arr, dt in ((self.node_kind, np.int8), (self.node_function, np.int32)):
            if arr.shape != (n,) or arr.dtype != dt:
                problems.append(f"node array of shape {arr.shape} and dtype {arr.dtype}")
        if self.node_text.shape != (n,) or self.node_full_text.shape != (n,):
            problems.append("node text arrays do not match the node count")
        e = self.edge_flow.shape[0]
        if self.edge_index.shape != (2, e) or self.edge_position.shape != (e,):
            problems.append("edge arrays do not agree in length")
        if e and (self.edge_index.min() < 0 or self.edge_index.max() >= n):
            problems.append("edge endpoint out of range")
        if n and (self.node_kind.min() < 0 or self.node_kind.max() >= len(NODE_KINDS)):
            problems.append("unknown node kind")
        if e and (self.edge_flow.min() < 0 or self.edge_flow.max() >= len(EDGE_FLOWS)):
            problems.append("unknown edge flow")
        if e and self.edge_position.min() < 0:
            problems.append("negative edge position")
        if not problems:
            unreachable = self.unreachable_instructions()
            if unreachable.size:
                problems.append(f"{unreachable.size} instructions unreachable from their function entry")
        if problems:
            raise GraphError("malformed program graph: " + "; ".join(problems), sample=self.name)

    def function_entries(self) -> np.ndarray:
        """Node index of each defined function's entry instruction (order of ``function_names``)."""
        inst = np.flatnonzero(self.node_kind == INSTRUCTION)
        fn = self.node_function[inst]
        _, first = np.unique(fn, return_index=True)
        return inst[first]

    def unreachable_instructions(self) -> np.ndarray:
        """Instruction nodes not reachable from their function's entry through control edges."""
        import scipy.sparse as sp
        from scipy.sparse.csgraph import breadth_first_order

        n = self.num_nodes
        ctrl = self.edge_flow == CONTROL
        src, dst = self.edge_index[0, ctrl], self.edge_index[1, ctrl]
        adj = sp.csr_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(n, n))
        seen = np.zeros(n, dtype=bool)
        for entry in self.function_entries():
            seen[breadth_first_order(adj, int(entry), directed=True, return_predecessors=False)] = True
        return np.flatnonzero((self.node_kind == INSTRUCTION) & ~seen)

    def digest(self) -> str:
        """SHA-256 of the graph's content: equal digests mean identical graphs."""
        h = hashlib.sha256()
        for arr in (self.node_kind, self.node_function, self.edge_index, self.edge_flow, self.edge_position):
            h.update(np.ascontiguousarray(arr).tobytes())
            h.update(b"|")
        for texts in (self.node_text, self.node_full_text):
            h.update("\x00".join(texts.tolist()).encode())
            h.update(b"|")
        return h.hexdigest()

    def to_pyg(self, node_vocab: dict[str, int] | None = None):
        """Return a :class:`torch_geometric.data.Data`.

        Parameters
        ----------
        node_vocab : dict, optional
            Maps ``node_text`` to integer ids; when given, ``data.x`` holds the ids (unknown
            texts get ``len(node_vocab)``).

        Returns
        -------
        torch_geometric.data.Data
            With ``edge_index``, ``edge_flow``, ``edge_position``, ``node_kind``,
            ``node_text`` (list of str), ``num_nodes`` and, with a vocabulary, ``x``.
        """
        import torch
        from torch_geometric.data import Data

        data = Data(
            edge_index=torch.from_numpy(np.ascontiguousarray(self.edge_index)),
            edge_flow=torch.from_numpy(self.edge_flow.astype(np.int64)),
            edge_position=torch.from_numpy(self.edge_position.astype(np.int64)),
            node_kind=torch.from_numpy(self.node_kind.astype(np.int64)),
            num_nodes=self.num_nodes,
        )
        data.node_text = self.node_text.tolist()
        if node_vocab is not None:
            unk = len(node_vocab)
            data.x = torch.tensor([node_vocab.get(t, unk) for t in self.node_text.tolist()], dtype=torch.long)
        return data

    def to_dot(self, *, full_text: bool = True, max_label: int = 48) -> str:
        """Graphviz DOT text in ProGraML's colours (render with ``dot -Tpng``).

        Instructions are blue boxes, variables red ellipses, constants yellow diamonds,
        external nodes grey; control edges blue, data edges red, call edges green, each
        labelled with its position when it is not 0.
        """
        shapes = {
            INSTRUCTION: 'shape=box, style=filled, fillcolor="#3c78d8", fontcolor=white',
            VARIABLE: 'shape=ellipse, style=filled, fillcolor="#f4cccc"',
            CONSTANT: 'shape=diamond, style=filled, fillcolor="#fff2cc"',
            EXTERNAL: 'shape=box, style="filled,rounded", fillcolor="#cccccc"',
        }
        colours = {CONTROL: "#3c78d8", DATA: "#cc0000", CALL: "#38761d"}
        texts = self.node_full_text if full_text else self.node_text

        def esc(s: str) -> str:
            s = s if len(s) <= max_label else s[: max_label - 3] + "..."
            return s.replace("\\", "\\\\").replace('"', '\\"')

        lines = [f'digraph "{esc(self.name)}" {{', '  node [fontname="monospace", fontsize=10];']
        for i in range(self.num_nodes):
            lines.append(f'  n{i} [label="{esc(texts[i])}", {shapes[int(self.node_kind[i])]}];')
        for (s, d), f, p in zip(self.edge_index.T.tolist(), self.edge_flow.tolist(), self.edge_position.tolist()):
            label = f', label="{p}"' if p else ""
            lines.append(f'  n{s} -> n{d} [color="{colours[f]}"{label}];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_networkx(self):
        """Return a :class:`networkx.MultiDiGraph` with ``kind``/``text``/``full_text`` node
        attributes and ``flow``/``position`` edge attributes (flow and kind as names)."""
        import networkx as nx

        g = nx.MultiDiGraph(name=self.name)
        for i in range(self.num_nodes):
            g.add_node(
                i,
                kind=NODE_KINDS[self.node_kind[i]],
                text=self.node_text[i],
                full_text=self.node_full_text[i],
                function=int(self.node_function[i]),
            )
        for (s, d), f, p in zip(self.edge_index.T.tolist(), self.edge_flow.tolist(), self.edge_position.tolist()):
            g.add_edge(s, d, flow=EDGE_FLOWS[f], position=p)
        return g


@runtime_checkable
class GraphBuilder(Protocol):
    """What the front end needs of a graph builder: swap in ASTs or other program graphs."""

    name: str

    def build(self, ir: "IRModule") -> ProgramGraph:  # pragma: no cover - protocol
        ...


class _Graph:
    """A program graph as it is built: nodes and edges in lists (the arrays are made once, by
    :meth:`finish`), the ``[external]`` root, and the module-level nodes and links that span
    functions."""

    __slots__ = ("kind", "text", "full", "func", "src", "dst", "flow", "pos", "root", "global_nodes",
                 "external_nodes", "entries", "returns", "call_sites")

    def __init__(self) -> None:
        self.kind: list[int] = []
        self.text: list[str] = []
        self.full: list[str] = []
        self.func: list[int] = []
        self.src: list[int] = []
        self.dst: list[int] = []
        self.flow: list[int] = []
        self.pos: list[int] = []
        self.root = self.add(EXTERNAL, "[external]", "[external]", -1)
        self.global_nodes: dict[str, int] = {}  # module-level variables, created on first use
        self.external_nodes: dict[str, int] = {}  # declared functions, created on first call
        self.entries: dict[str, int] = {}  # defined function -> its first instruction
        self.returns: dict[str, list[int]] = {}  # defined function -> its ret instructions
        self.call_sites: list[tuple[int, str]] = []  # (call instruction, callee)

    def add(self, kind: int, text: str, full: str, func: int) -> int:
        """A new node; its id."""
        self.kind.append(kind)
        self.text.append(text)
        self.full.append(full)
        self.func.append(func)
        return len(self.kind) - 1

    def edge(self, s: int, d: int, f: int, p: int) -> None:
        self.src.append(s)
        self.dst.append(d)
        self.flow.append(f)
        self.pos.append(p)

    def global_node(self, ref: str, ty: str) -> int:
        """The node of module-level variable ``ref`` (created on first use)."""
        node = self.global_nodes.get(ref)
        if node is None:
            node = self.add(VARIABLE, ty or "ptr", f"{ty or 'ptr'} {ref}", -1)
            self.global_nodes[ref] = node
        return node

    def external_node(self, callee: str) -> int:
        """The node of declared function ``callee`` (created on its first call)."""
        ext = self.external_nodes.get(callee)
        if ext is None:
            ext = self.add(EXTERNAL, callee[1:].strip('"'), f"declare {callee}", -1)
            self.external_nodes[callee] = ext
        return ext

    def link_calls(self, defined) -> None:
        """Call edges: each call site to its callee's entry and the callee's returns back to it
        (both ways to an external node for a declared callee); then the returns of every
        defined function to the root."""
        edge = self.edge
        for site, callee in self.call_sites:
            entry = self.entries.get(callee)
            if entry is not None:
                edge(site, entry, CALL, 0)
                for r in self.returns.get(callee, ()):
                    edge(r, site, CALL, 0)
            else:
                ext = self.external_node(callee)
                edge(site, ext, CALL, 0)
                edge(ext, site, CALL, 0)
        for fn in defined:
            for r in self.returns.get(fn.name, ()):
                edge(r, self.root, CALL, 0)

    def finish(self, name: str, function_names: tuple[str, ...], meta: dict) -> ProgramGraph:
        """The :class:`ProgramGraph` of what was added."""
        return ProgramGraph(
            node_kind=np.asarray(self.kind, dtype=np.int8),
            node_text=_object_array(self.text),
            node_full_text=_object_array(self.full),
            node_function=np.asarray(self.func, dtype=np.int32),
            edge_index=np.asarray([self.src, self.dst], dtype=np.int64).reshape(2, -1),
            edge_flow=np.asarray(self.flow, dtype=np.int8),
            edge_position=np.asarray(self.pos, dtype=np.int32),
            function_names=function_names,
            name=name,
            meta=meta,
        )


def _reachable_blocks(fn, name: str) -> list:
    """The ``(name, instructions)`` blocks of ``fn`` reachable from its entry, in text order."""
    index = {bname: k for k, (bname, _) in enumerate(fn.blocks)}
    seen = [False] * len(fn.blocks)
    stack = [0]
    seen[0] = True
    while stack:
        k = stack.pop()
        for s in fn.blocks[k][1][-1].successors:
            t = index.get(s)
            if t is None:
                raise GraphError(f"branch to unknown block {s} in {fn.name}", sample=name)
            if not seen[t]:
                seen[t] = True
                stack.append(t)
    return [b for b, ok in zip(fn.blocks, seen) if ok]


def _add_instructions(g: _Graph, fi: int, fn, blocks: list) -> tuple[dict[str, int], list[list[int]]]:
    """The nodes of function ``fi``: its named arguments, and per block its instructions and
    the variables they define (with their data edges).  Returns the local variables by name
    and the instruction nodes of each block; records the function's entry and links it to the
    root."""
    add, edge = g.add, g.edge
    locals_: dict[str, int] = {}
    for aname, aty in fn.arguments:
        if aname:
            locals_[aname] = add(VARIABLE, aty, f"{aty} {aname}", fi)
    inst_nodes: list[list[int]] = []
    for _, insts in blocks:
        ids = []
        for inst in insts:
            nid = add(INSTRUCTION, inst.opcode, inst.text, fi)
            ids.append(nid)
            if inst.result is not None:
                var = add(VARIABLE, inst.type, f"{inst.type} {inst.result}", fi)
                locals_[inst.result] = var
                edge(nid, var, DATA, 0)
        inst_nodes.append(ids)
    g.entries[fn.name] = inst_nodes[0][0]
    edge(g.root, inst_nodes[0][0], CALL, 0)
    return locals_, inst_nodes


def _add_flow(g: _Graph, fi: int, fn, blocks: list, locals_: dict[str, int], inst_nodes: list[list[int]]) -> None:
    """The edges of function ``fi``: control flow within and between blocks, data flow from
    each operand (a local, global or constant variable; constants are one node per type and
    value in a function); records its returns and its call sites."""
    edge = g.edge
    first_inst = {bname: ids[0] for (bname, _), ids in zip(blocks, inst_nodes)}
    rets = g.returns.setdefault(fn.name, [])
    constants: dict[tuple[str, str], int] = {}
    for (_, insts), ids in zip(blocks, inst_nodes):
        for k, (inst, nid) in enumerate(zip(insts, ids)):
            if k + 1 < len(ids):
                edge(nid, ids[k + 1], CONTROL, 0)
            for sp_, succ in enumerate(inst.successors):
                edge(nid, first_inst[succ], CONTROL, sp_)
            for op in inst.operands:
                if op.kind == "local":
                    v = locals_.get(op.ref)
                    if v is None:  # a value defined only in an unreachable block
                        continue
                elif op.kind == "global":
                    if op.ref == inst.callee:
                        continue
                    v = g.global_node(op.ref, op.type)
                elif op.kind == "constant":
                    key = (op.type, op.ref)
                    v = constants.get(key)
                    if v is None:
                        v = g.add(CONSTANT, op.type, f"{op.type} {op.ref}", fi)
                        constants[key] = v
                else:  # metadata operands carry no data flow
                    continue
                edge(v, nid, DATA, op.position)
            if inst.opcode == "ret":
                rets.append(nid)
            if inst.callee is not None and inst.callee[0] == "@":
                g.call_sites.append((nid, inst.callee))


class ProGraMLBuilder:
    """Build ProGraML-style graphs from canonical IR text (see the module docstring).

    The builder reads the text LLVM printed (:mod:`sklearn_mirencoder.frontend.irtext`) instead of
    walking llvmlite objects, which keeps graph construction cheaper than compiling.
    """

    name = "programl"

    def __repr__(self) -> str:
        return "ProGraMLBuilder()"

    def build(self, ir: "IRModule") -> ProgramGraph:
        """Build the graph of ``ir`` (an :class:`~sklearn_mirencoder.frontend.ir.IRModule`)."""
        return self.build_from_text(ir.text, name=ir.name)

    def build_from_text(self, text: str, *, name: str = "<string>") -> ProgramGraph:
        """Build the graph of canonical IR text (``str()`` of an llvmlite module)."""
        try:
            module = read_module(text)
        except (IRTextError, IndexError, ValueError) as exc:
            raise GraphError(
                "could not read the IR text; pass IR through sklearn_mirencoder.frontend.ir.to_ir so it is "
                "canonical LLVM 22 text",
                sample=name,
                diagnostic=str(exc),
            ) from None
        return self._build(module, name)

    def _build(self, module, name: str) -> ProgramGraph:
        """The graph of a module read by :func:`~sklearn_mirencoder.frontend.irtext.read_module`:
        each defined function's reachable blocks, their nodes, then their edges; then the calls
        between functions."""
        g = _Graph()
        defined = [f for f in module.functions if not f.is_declaration]
        unreachable_blocks = 0
        for fi, fn in enumerate(defined):
            blocks = _reachable_blocks(fn, name)
            unreachable_blocks += len(fn.blocks) - len(blocks)
            locals_, inst_nodes = _add_instructions(g, fi, fn, blocks)
            _add_flow(g, fi, fn, blocks, locals_, inst_nodes)
        g.link_calls(defined)
        meta = {"builder": self.name, "unreachable_blocks": unreachable_blocks}
        return g.finish(name, tuple(f.name for f in defined), meta)


def _object_array(items: list[str]) -> np.ndarray:
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr


_BUILDERS: dict[str, type] = {"programl": ProGraMLBuilder}


def register_graph_builder(name: str, cls: type) -> None:
    """Make a graph builder class available by name (for ``graph_builder="name"``)."""
    _BUILDERS[name] = cls


def get_graph_builder(builder: str | GraphBuilder | None = None) -> GraphBuilder:
    """Return a graph builder instance from a name, an instance, or ``None`` (ProGraML)."""
    if builder is None:
        return ProGraMLBuilder()
    if isinstance(builder, str):
        try:
            return _BUILDERS[builder]()
        except KeyError:
            raise ValueError(
                f"unknown graph builder {builder!r}; known: {sorted(_BUILDERS)} "
                "(register others with register_graph_builder)"
            ) from None
    if isinstance(builder, GraphBuilder):
        return builder
    raise TypeError(f"a graph builder needs a 'name' and a 'build(ir)' method, got {builder!r}")

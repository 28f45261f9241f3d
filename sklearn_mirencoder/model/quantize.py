"""The CPU fast path: a MIREncoder whose linear layers multiply 8-bit integers.

:func:`quantize_int8` returns a copy of a model in which every ``nn.Linear`` of the text
layers, the graph layers and the joint projections is an :class:`Int8Linear`:

* the weight is stored as int8 with one scale per output row (``max |w| / 127``);
* each input row (one token, one graph node, one program) is quantised to int8 with its
  own scale (``max |x| / 127``, round to nearest);
* the products are summed **exactly** in integers: with :func:`torch._int_mm` where this
  torch has it on the CPU (VNNI instructions), else as a float32 product of the integer
  values, which is exact too (``127 * 127 * in_features < 2**24`` for ``in_features <=
  1040``, so every partial sum is an integer that float32 holds), so both give the same bits;
* the result is rescaled by (row scale x weight-row scale) and the bias added in float32.

Why per row and exact: a row's output then depends on that row alone -- not on the other
programs of a batch, the padding, the number of threads or how the matrix product is
blocked -- so the fast path keeps the full-precision path's guarantee (a program's vector is
the same in any batch, with any ``n_jobs``, bitwise) and lets the graph encoder run on all
threads.  Attention, layer norms, GELU and the pooling stay in float32.

Measured on the 196 device-mapping kernels clang 22 compiles (2 cores): the vectors are
within a cosine of 1e-4 of the float32 ones (relative error at most 0.7%) and the model's
passes 1.9x faster (15.8 s against 30.0 s, inference revision 2, float32 encoding 8 windows at a time); ``docs/embed-speed.md`` has the end-to-end
figures and ``docs/benchmarks.md`` the accuracy on every task.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from .config import PRECISIONS

__all__ = ["Int8Linear", "quantize_int8", "PRECISIONS", "int_mm_available"]

#: Largest input width for which a float32 product of int8 values is exact.
_EXACT_FLOAT_WIDTH = (2**24 - 1) // (127 * 127)
_INT_MM: bool | None = None


def int_mm_available() -> bool:
    """Whether :func:`torch._int_mm` runs on this torch's CPU (checked once, on a tiny
    product whose exact result is known)."""
    global _INT_MM
    if _INT_MM is None:
        try:
            a = torch.ones(17, 8, dtype=torch.int8)
            _INT_MM = bool((torch._int_mm(a, torch.ones(8, 8, dtype=torch.int8).t()) == 8).all())
        except (AttributeError, RuntimeError, TypeError):
            _INT_MM = False
    return _INT_MM


class Int8Linear(nn.Module):
    """``y = x W^T + b`` with int8 weights (per output row) and int8 inputs (per row),
    summed exactly (see the module documentation).  Inference only, CPU.

    Parameters
    ----------
    weight : torch.Tensor
        ``(out_features, in_features)`` float weight; at most 1,040 input features.
    bias : torch.Tensor or None
        ``(out_features,)``.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None):
        super().__init__()
        w = weight.detach().float().cpu()
        if w.shape[1] > _EXACT_FLOAT_WIDTH:
            raise ValueError(f"Int8Linear sums exactly up to {_EXACT_FLOAT_WIDTH} inputs, got {w.shape[1]}")
        scale = w.abs().amax(1).clamp(min=torch.finfo(torch.float32).tiny) / 127
        self.in_features, self.out_features = w.shape[1], w.shape[0]
        self.register_buffer("qweight", torch.round(w / scale[:, None]).to(torch.int8).contiguous())
        self.register_buffer("weight_scale", scale)
        self.register_buffer("bias", None if bias is None else bias.detach().float().cpu().clone())

    @classmethod
    def from_linear(cls, linear: nn.Linear) -> "Int8Linear":
        return cls(linear.weight, linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        rows = x.reshape(-1, shape[-1]).float()
        scale = rows.abs().amax(1, keepdim=True).clamp_(min=torch.finfo(torch.float32).tiny).div_(127)
        q = torch.div(rows, scale).round_().to(torch.int8)  # in place: fewer passes over the rows
        y = _int_product(q, self.qweight) * scale  # integers below 2**24: exact in float32
        y = y.mul_(self.weight_scale) if self.bias is None else torch.addcmul(self.bias, y, self.weight_scale, out=y)
        return y.reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def _int_product(q: torch.Tensor, qweight: torch.Tensor) -> torch.Tensor:
    """``q @ qweight.T`` summed exactly: int32 from ``torch._int_mm`` (which needs more than
    16 rows), else float32 holding the same integers."""
    if q.shape[0] > 16 and int_mm_available():
        return torch._int_mm(q, qweight.t())
    return q.float() @ qweight.float().t()


def _replace(parent: nn.Module, name: str) -> None:
    setattr(parent, name, Int8Linear.from_linear(getattr(parent, name)))


def quantize_int8(model: nn.Module) -> nn.Module:
    """A copy of a :class:`~sklearn_mirencoder.model.encoder.MIREncoder` (on the CPU, in
    ``eval()`` mode) whose linear layers are :class:`Int8Linear`; the original is untouched.

    The copy's ``precision`` attribute is ``"int8"``.  Its attention input projection is the
    ``int8_in_proj`` attribute of each attention block (read by
    :meth:`~sklearn_mirencoder.model.encoder.TextEncoder.eval_layers`); the copy cannot be
    trained.
    """
    q = copy.deepcopy(model).cpu().float().eval()
    for layer in q.text.layers.layers:
        attn = layer.self_attn
        attn.int8_in_proj = Int8Linear(attn.in_proj_weight, attn.in_proj_bias)
        _replace(attn, "out_proj")
        _replace(layer, "linear1")
        _replace(layer, "linear2")
    _replace(q.graph, "text_projection")
    for layer in q.graph.layers:
        for name in ("lin_forward", "lin_reverse", "lin_self", "lin_out"):
            _replace(layer, name)
    _replace(q, "text_projection")
    _replace(q, "graph_projection")
    q.precision = "int8"
    # a few windows at a time: the integer products and the quantisation of 32k-row chunks
    # fall out of the caches (3.5x slower on 2 cores); rows are independent here, so the
    # chunk changes the speed only, not one bit of the result
    q.cpu_window_chunk = 4  # CPU only: window_chunk (the GPU default) never applies
    for p in q.parameters():
        p.requires_grad_(False)
    return q

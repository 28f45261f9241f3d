"""One program -> its functions, each as a module of its own (function-level embeddings).

A function's module holds the function's definition, the definitions of every function it
calls in the same module (transitively: a kernel's device helpers belong to what the kernel
runs), the global variables those reference, and declarations of anything external.  The
other functions of the program and the globals only they use are removed (LLVM's global
dead-code elimination, after giving them internal linkage), and the result is printed in
canonical form (:func:`~sklearn_mirencoder.frontend.ir.canonical_text`).  Its tokens and
graph are then built exactly as a program's are, so a function's vector is the model's
vector of that module: for a program with one function (and nothing it does not call) the
function's vector is the program's.

Only definitions are listed (declarations have no body).  A *kernel* is a function with a
GPU kernel calling convention (``spir_kernel`` for OpenCL, ``ptx_kernel`` for CUDA,
``amdgpu_kernel``) or an OpenMP offloading entry (``__omp_offloading_*``).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Sequence

import llvmlite.binding as llvm

from ..errors import FrontendError, InputError
from .ir import IRModule, _parse_assembly, canonical_text

__all__ = ["FunctionInfo", "FUNCTION_RULES", "list_functions", "select_functions", "function_module", "demangle"]

#: Rules :func:`select_functions` understands besides function names.
FUNCTION_RULES = ("all", "kernels", "kernel", "main")

_KERNEL_CC = re.compile(r"^define\b[^(]*\b(?:spir_kernel|ptx_kernel|amdgpu_kernel)\b")
_DEFINE_NAME = re.compile(r'^define\b[^@]*@("(?:[^"\\]|\\.)*"|[-\w$.]+)\(')
_OMP_ENTRY = "__omp_offloading_"
_LOCAL = ("internal", "private")


@dataclass(frozen=True)
class FunctionInfo:
    """A function defined in a program.

    Attributes
    ----------
    name : str
        Its symbol in the IR (mangled for C++ and CUDA, without ``@`` or quotes).
    kind : str
        ``"kernel"`` or ``"function"``.
    index : int
        Its position among the program's definitions (module order).
    """

    name: str
    kind: str
    index: int


def _unquote(symbol: str) -> str:
    if symbol.startswith('"'):
        return bytes(symbol[1:-1], "utf-8").decode("unicode_escape")
    return symbol


def list_functions(ir: IRModule) -> list[FunctionInfo]:
    """The functions ``ir`` defines, in module order, each marked kernel or function."""
    found = []
    for line in ir.text.splitlines():
        match = _DEFINE_NAME.match(line)
        if match is None:
            continue
        name = _unquote(match.group(1))
        kernel = bool(_KERNEL_CC.match(line)) or name.startswith(_OMP_ENTRY)
        found.append(FunctionInfo(name=name, kind="kernel" if kernel else "function", index=len(found)))
    return found


def select_functions(ir: IRModule, rule: str | Sequence[str]) -> list[FunctionInfo]:
    """The functions of ``ir`` that ``rule`` picks.

    Parameters
    ----------
    ir : IRModule
    rule : str or sequence of str
        ``"all"`` every definition; ``"kernels"`` every kernel (maybe none); ``"kernel"``
        the program's only kernel; ``"main"`` the ``main`` function; any other string (or a
        sequence of them) names functions by their IR symbol.

    Raises
    ------
    FrontendError
        ``"kernel"`` on a program with no kernel or several, ``"main"`` without one, or a
        named function that the program does not define; the message lists what it defines.
    """
    functions = list_functions(ir)
    if isinstance(rule, str) and rule == "all":
        return functions
    if isinstance(rule, str) and rule in ("kernels", "kernel"):
        kernels = [f for f in functions if f.kind == "kernel"]
        if rule == "kernel" and len(kernels) != 1:
            raise FrontendError(
                f"function='kernel' needs exactly one kernel, the program defines {len(kernels)}"
                f"{_listing(kernels)}; name the one to embed, or use function='kernels' with embed_functions",
                sample=ir.name,
            )
        return kernels
    names = [rule] if isinstance(rule, str) else list(rule)
    by_name = {f.name: f for f in functions}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise FrontendError(
            f"the program defines no function {missing[0]!r}{_listing(functions)}",
            sample=ir.name,
        )
    return [by_name[n] for n in names]


def _listing(functions: Sequence[FunctionInfo]) -> str:
    if not functions:
        return ""
    shown = ", ".join(f.name for f in functions[:8])
    return f" ({shown}{', ...' if len(functions) > 8 else ''})"


def function_module(ir: IRModule, name: str) -> IRModule:
    """The module of one function of ``ir`` (see the module docstring), in canonical form.

    Raises
    ------
    InputError
        ``ir`` defines no function ``name``.
    FrontendError
        LLVM could not cut the module (the message carries its diagnostic).
    """
    module = _parse_assembly(ir.text)
    try:
        _keep_only(module, name, sample=ir.name)
        module.verify()
        text = canonical_text(module)
    except RuntimeError as exc:
        raise FrontendError(f"cannot cut function {name!r} out of the module: {exc}", sample=ir.name) from None
    finally:
        module.close()
    return IRModule(text=text, name=f"{ir.name}::{name}", language=ir.language, compiler=ir.compiler,
                    flags=ir.flags, upgraded=ir.upgraded)


@functools.cache
def _pass_builder():
    llvm.initialize_native_target()
    machine = llvm.Target.from_default_triple().create_target_machine()
    return llvm.create_pass_builder(machine, llvm.create_pipeline_tuning_options())


def _drop_unreached(module) -> None:
    """Global dead-code elimination, then unused declarations removed."""
    pm = llvm.create_new_module_pass_manager()
    pm.add_global_dead_code_eliminate_pass()
    pm.add_strip_dead_prototype_pass()
    pm.run(module, _pass_builder())


def _keep_only(module, name: str, *, sample: str) -> None:
    """Drop what function ``name`` does not reach; the survivors keep their linkage.

    Every definition but ``name`` gets internal linkage so that dead-code elimination may
    drop it; ``name`` is made external (the root) for the pass; afterwards each surviving
    definition gets its own linkage and visibility back, so its text is as in the program.
    """
    saved = {}
    for value in [*module.functions, *module.global_variables]:
        if not value.is_declaration:
            saved[value.name] = (value.linkage, value.visibility)
            _internalize(value)
    target = next((fn for fn in module.functions if fn.name == name and not fn.is_declaration), None)
    if target is None:
        raise InputError(f"the program defines no function {name!r}", sample=sample)
    target.linkage = "external"
    _drop_unreached(module)
    for value in [*module.functions, *module.global_variables]:
        linkage, visibility = saved.get(value.name, (None, None))
        if linkage is not None:
            value.linkage = linkage
            value.visibility = visibility


def _internalize(value) -> None:
    if str(value.linkage).split(".")[-1] in _LOCAL:
        return
    value.visibility = "default"
    value.linkage = "internal"


def demangle(names: Sequence[str]) -> list[str]:
    """C++/CUDA symbols demangled by ``c++filt`` (or ``llvm-cxxfilt``); a name it does not
    change (C, OpenCL) is returned as it is, and so is every name when neither tool exists."""
    tool = shutil.which("c++filt") or shutil.which("llvm-cxxfilt")
    names = list(names)
    if tool is None or not names or any("\n" in n for n in names):
        return names
    try:
        done = subprocess.run([tool], input="\n".join(names) + "\n", capture_output=True, text=True,
                              timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return names
    out = done.stdout.splitlines()
    return out if len(out) == len(names) else names

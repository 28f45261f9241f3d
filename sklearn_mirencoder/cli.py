"""The ``mirencoder`` command line.

``mirencoder inspect FILES...``
    Compile and parse each program; print its graph and token counts (table or JSON).
``mirencoder graph FILE -o OUT``
    Write one program's graph as Graphviz DOT (``.dot``) or, with Graphviz installed, PNG/SVG.
``mirencoder info``
    Versions, the compiler found, and where the package looks for things.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import MIREncoderError

__all__ = ["main"]


def _compile_options(args) -> dict:
    opts = {}
    if args.compiler:
        opts["compiler"] = args.compiler
    if args.opt is not None:
        opts["opt_flags"] = tuple(args.opt.split())
    if args.flag:
        opts["extra_flags"] = tuple(args.flag)
    opts["timeout"] = args.timeout
    return opts


def _inspect_one(path: str, language: str | None, options: dict) -> dict:
    from .frontend import process

    try:
        return process(path, input="filename", language=language, **options).summary()
    except MIREncoderError as exc:
        return {"name": path, "error": type(exc).__name__, "message": str(exc)}


def _cmd_inspect(args) -> int:
    from joblib import Parallel, delayed

    options = _compile_options(args)
    rows = Parallel(n_jobs=args.jobs)(delayed(_inspect_one)(f, args.language, options) for f in args.files)
    failed = [r for r in rows if "error" in r]
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        cols = ["language", "compiler", "instruction_nodes", "variable_nodes", "constant_nodes",
                "external_nodes", "control_edges", "data_edges", "call_edges", "words"]
        short = ["lang", "compiler", "inst", "var", "const", "ext", "ctrl", "data", "call", "words"]
        width = max([len("program")] + [len(str(r["name"])) for r in rows])
        print(f"{'program':<{width}}  " + "  ".join(f"{c:>8}" for c in short))
        for r in rows:
            if "error" in r:
                print(f"{r['name']:<{width}}  FAILED ({r['error']})")
            else:
                print(f"{r['name']:<{width}}  " + "  ".join(f"{str(r[c]):>8}" for c in cols))
        for r in failed:
            print(f"\n{r['message']}", file=sys.stderr)
        print(f"\n{len(rows) - len(failed)} programs processed, {len(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


def _cmd_graph(args) -> int:
    from .frontend import process

    try:
        program = process(args.file, input="filename", language=args.language, **_compile_options(args))
    except MIREncoderError as exc:
        print(exc, file=sys.stderr)
        return 1
    dot = program.graph.to_dot(full_text=not args.short)
    out = Path(args.output)
    if out.suffix == ".dot":
        out.write_text(dot)
    else:
        exe = shutil.which("dot")
        if exe is None:
            print("rendering needs Graphviz's 'dot' (apt-get install graphviz); or write a .dot file",
                  file=sys.stderr)
            return 1
        subprocess.run([exe, f"-T{out.suffix.lstrip('.')}", "-o", str(out)], input=dot.encode(), check=True)
    print(f"{program.graph!r} -> {out}")
    return 0


def _cmd_info(args) -> int:
    import llvmlite
    import llvmlite.binding as llvm

    from . import __version__
    from .compile import find_compiler
    from .errors import CompilerNotFoundError

    print(f"sklearn-mirencoder {__version__}")
    print(f"python {sys.version.split()[0]}")
    print(f"llvmlite {llvmlite.__version__} (LLVM {'.'.join(map(str, llvm.llvm_version_info))})")
    try:
        import torch

        print(f"torch {torch.__version__} (cuda available: {torch.cuda.is_available()})")
    except ImportError:  # pragma: no cover
        print("torch not installed")
    try:
        c = find_compiler(args.compiler)
        print(f"compiler: {c.kind} {c.version} at {c.path}")
    except CompilerNotFoundError as exc:
        print(f"compiler: none found\n{exc}")
        return 1
    return 0


def _add_compile_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-l", "--language", help="c, c++, opencl, cuda, openmp, llvm-ir, llvm-bc (default: from extension)")
    p.add_argument("--compiler", help="clang to use (path or name; default: discovered)")
    p.add_argument("--opt", help="optimisation flags replacing the default '-O1', e.g. '-O2'")
    p.add_argument("-f", "--flag", action="append", help="extra clang flag (repeatable), e.g. -f=-DN=64")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per compile (default 60)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mirencoder", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="compile and parse programs; print graph and token counts")
    p.add_argument("files", nargs="+")
    _add_compile_args(p)
    p.add_argument("-j", "--jobs", type=int, default=1, help="parallel workers (default 1)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=_cmd_inspect)

    p = sub.add_parser("graph", help="write one program's graph as DOT, PNG or SVG")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True, help="output file (.dot, .png, .svg)")
    p.add_argument("--short", action="store_true", help="label nodes by opcode/type instead of full text")
    _add_compile_args(p)
    p.set_defaults(func=_cmd_graph)

    p = sub.add_parser("info", help="versions and the compiler found")
    p.add_argument("--compiler")
    p.set_defaults(func=_cmd_info)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``mirencoder`` command line.

``mirencoder inspect FILES...``
    Compile and parse each program; print its graph and token counts (table or JSON).
``mirencoder graph FILE -o OUT``
    Write one program's graph as Graphviz DOT (``.dot``) or, with Graphviz installed, PNG/SVG.
``mirencoder embed FILES... -o OUT``
    Embed programs with MIREncoder into ``.npy``, ``.csv`` or ``.parquet`` (one row per file,
    in the order given; a folder stands for the program files under it).
``mirencoder info``
    Versions, the compiler found, the weights in use, and where the package looks for things.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import MIREncoderError
from .model.config import MODALITIES

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
    from .frontend.compile import find_compiler
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
    if not _print_weights(args):
        return 1
    return 0


#: Suffixes of header files, skipped when a folder is expanded (named explicitly, they are used).
_HEADER_SUFFIXES = frozenset({".h", ".hh", ".hpp", ".hxx", ".cuh", ".inc"})


def _expand_files(paths: list[str]) -> list[str]:
    """Files as given; a folder stands for the program files under it (sorted)."""
    from .frontend.compile import language_from_path
    from .errors import InputError

    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = []
            for f in sorted(path.rglob("*")):
                if not f.is_file() or f.suffix.lower() in _HEADER_SUFFIXES:
                    continue  # headers define no function bodies: they are not programs
                try:
                    language_from_path(f)
                except InputError:
                    continue
                found.append(str(f))
            out.extend(found)
        else:
            out.append(p)
    return out


def _write_table(out: Path, names: list[str], columns, matrix) -> None:
    """Write ``matrix`` with a ``file`` column to .npy / .csv / .parquet, atomically."""
    import csv
    import os

    import numpy as np

    suffix = out.suffix.lower()
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    try:
        if suffix == ".npy":
            with open(tmp, "wb") as fh:
                np.save(fh, matrix)
        elif suffix == ".csv":
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["file", *columns])
                for name, row in zip(names, matrix):
                    w.writerow([name, *(format(float(v), ".9g") for v in row)])
        else:
            import pandas as pd

            frame = pd.DataFrame(matrix, columns=list(columns))
            frame.insert(0, "file", names)
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def _cmd_embed(args) -> int:
    import warnings

    from .transformer import FailedProgramsWarning, MIRTransformer

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".npy", ".csv", ".parquet"):
        print(f"error: the output must end in .npy, .csv or .parquet, got {out.name!r}", file=sys.stderr)
        return 2
    if suffix == ".parquet":
        import importlib.util

        if any(importlib.util.find_spec(m) is None for m in ("pandas", "pyarrow")):
            print("error: writing .parquet needs pandas and pyarrow: pip install 'sklearn-mirencoder[parquet]' "
                  "(or write .npy or .csv)", file=sys.stderr)
            return 2
    if not out.parent.exists():
        print(f"error: the folder of {out} does not exist", file=sys.stderr)
        return 2
    files = _expand_files(args.files)
    if not files:
        print("error: no program files found", file=sys.stderr)
        return 2
    opts = _compile_options(args)
    cache = False if args.no_cache else (args.cache or None)
    est = MIRTransformer(
        model=args.model,
        revision=args.revision,
        modality=args.modality,
        input="filename",
        language=args.language,
        compiler=opts.get("compiler"),
        opt_flags=opts.get("opt_flags"),
        extra_flags=opts.get("extra_flags", ()),
        timeout=args.timeout,
        n_jobs=args.jobs,
        encode_in=args.encode_in,
        batch_size=args.batch_size,
        device=args.device,
        precision=args.precision,
        max_windows=args.max_windows,
        cache=cache,
        errors=args.errors,
        verbose=not args.quiet,
        local_files_only=args.offline,
        confine_includes=args.confine_includes,
    )
    if args.level == "function":
        return _embed_functions(est, files, out, args)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FailedProgramsWarning)
            matrix = est.fit_transform(files)
    except (MIREncoderError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _write_table(out, files, est.get_feature_names_out(), matrix)
    for failure in est.failures_:
        print(f"\nFAILED {failure.error}: {failure.message}", file=sys.stderr)
    if not args.quiet or est.failures_:
        print(f"{len(files)} programs -> {out} ({matrix.shape[0]} x {matrix.shape[1]}, {est.modality}); "
              f"{len(est.failures_)} failed (rows of NaN)", file=sys.stderr)
    return 1 if est.failures_ else 0


def _embed_functions(est, files: list[str], out: Path, args) -> int:
    """``embed --level function``: one row per function, with its program, name, demangled
    name and kind, to .csv or .parquet."""
    import os

    if out.suffix.lower() == ".npy":
        print("error: --level function writes the program and function of each row: use .csv or .parquet",
              file=sys.stderr)
        return 2
    try:
        frame = est.fit(None).transform_functions(files, functions=args.functions)
    except (MIREncoderError, ValueError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    frame = frame.reset_index(drop=True).rename(columns={"program": "file"})
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    try:
        if out.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False, float_format="%.9g")
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    for failure in est.failures_:
        print(f"\nFAILED {failure.error}: {failure.message}", file=sys.stderr)
    if not args.quiet or est.failures_:
        print(f"{len(files)} programs -> {out} ({len(frame)} function rows, {est.modality}); "
              f"{len(est.failures_)} failed (rows of NaN)", file=sys.stderr)
    return 1 if est.failures_ else 0


def _print_weights(args) -> bool:
    """Print the weights ``mirencoder info`` would use; False when they cannot be loaded."""
    from .model.hub import resolve_model
    from .model.loading import model_summary

    try:
        summary = model_summary(resolve_model(args.model, revision=args.revision, local_files_only=args.offline))
    except (MIREncoderError, ValueError) as exc:
        print(f"weights: not available\n{exc}")
        return False
    size = summary["size_bytes"]
    print(f"weights: {summary['source']}")
    print(f"  config: {summary['config']}, {summary['parameters']:,} parameters ({summary['dtype']}"
          + (f", {size / 2**20:.1f} MiB" if size else "") + f"), vocabulary {summary['vocab_size']}")
    print("  features: " + ", ".join(f"{m}={d}" for m, d in summary["output_dims"].items()))
    print(f"  digest: {summary['digest']}")
    return True


def _add_compile_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-l", "--language", help="c, c++, opencl, cuda, openmp, llvm-ir, llvm-bc (default: from extension)")
    p.add_argument("--compiler", help="clang to use (path or name; default: discovered)")
    p.add_argument("--opt", help="optimisation flags replacing the default '-O1', e.g. '-O2'")
    p.add_argument("-f", "--flag", action="append", help="extra clang flag (repeatable), e.g. -f=-DN=64")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per compile (default 60)")


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="model folder, Hugging Face Hub repository id or bundled:small-distilled "
                   "(the faster student; default: the bundled weights)")
    p.add_argument("--revision", help="branch, tag or commit of a Hub model (default main)")
    p.add_argument("--offline", action="store_true", help="use the local Hugging Face cache only")


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

    p = sub.add_parser("embed", help="embed programs with MIREncoder into .npy, .csv or .parquet")
    p.add_argument("files", nargs="+", help="program files, or folders holding them")
    p.add_argument("-o", "--output", required=True,
                   help="output file: .npy (matrix, rows in the order of FILES), .csv or .parquet (with a file column)")
    _add_model_args(p)
    p.add_argument("--modality", choices=MODALITIES, default="both", help="features (default both)")
    p.add_argument("--level", choices=("program", "function"), default="program",
                   help="one row per program (default) or per function, with its program, name and kind")
    p.add_argument("--functions", default="all",
                   help="with --level function: all (default), kernels, kernel, main, or a function's IR name")
    p.add_argument("--confine-includes", action="store_true",
                   help="let programs #include only their own folder, the shipped and the standard headers")
    _add_compile_args(p)
    p.add_argument("-j", "--jobs", type=int, default=None, help="parallel workers: the front end, and the model on a CPU (default 1)")
    p.add_argument("--errors", choices=("raise", "nan"), default="raise",
                   help="a program that fails: stop (raise, default) or get a row of NaN (nan)")
    p.add_argument("--encode-in", choices=("auto", "parent", "workers"), default="auto",
                   help="where the model runs: this process, the workers, or auto (workers on a CPU with -j > 1)")
    p.add_argument("--batch-size", type=int, default=16, help="programs per forward pass (default 16)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N, mps or auto (default cpu)")
    p.add_argument("--precision", default="auto", choices=("auto", "float32", "int8"),
                   help="int8: the CPU fast path; float32: full precision; auto (default): int8 on a CPU")
    p.add_argument("--max-windows", type=int, default=None, metavar="N",
                   help="token budget: read at most N evenly spaced windows per program (default: all, up to "
                        "the model's limit)")
    p.add_argument("--cache", help="cache folder for embeddings and compiled IR (default: none)")
    p.add_argument("--no-cache", action="store_true", help="no caching at all")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_cmd_embed)

    p = sub.add_parser("info", help="versions, the compiler found and the weights in use")
    p.add_argument("--compiler")
    _add_model_args(p)
    p.set_defaults(func=_cmd_info)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

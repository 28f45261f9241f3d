"""Which files a compile may read: ``compile_source(..., confine_includes=True)``.

By default clang reads whatever a program names: ``#include "/etc/hostname"``,
``#include "../../secret.h"``, ``#embed``, a header that is a symlink out of the
program's folder.  The content then goes into the IR, the embedding, and into error
messages.  With ``confine_includes=True`` a compile may read only

* the program itself and files under its own folder (``source_dir``; for program text, the
  compile's temporary folder, which holds nothing else), judged by their real path, so a
  symlink out of the folder, or ``..``, is refused;
* the headers shipped with the package (``_data/include``) and clang's resource directory;
* the folders of the compiler's include search path for that language (the system's standard
  headers, libstdc++).  These folders are the host's, not the program's, so a symlink inside
  them is trusted;
* the folders the caller puts on the include path in ``extra_flags`` (``-I``, ``-isystem``...),
  judged by real path like the program's folder (they may hold the untrusted code).

How it is enforced
------------------
clang lists every file it reads in its dependency output (``-MD -MF``): ``#include``,
``#include_next``, ``#import``, ``-include``, ``#embed`` and the files that
``__has_include``/``__has_embed`` find.  The compile writes that list next to the bitcode;
each entry is checked before the bitcode is returned *and before clang's diagnostic is put
in an error*, so the content of a refused file reaches neither the IR nor a message.  When a
failed compile wrote no list (a fatal error such as a missing header), a preprocessing pass
(``-M -MG``) lists what it read; when even that fails, or clang timed out or crashed, the
diagnostic is withheld.  A list entry that does not exist on disk (a name the list's
escaping cannot carry) is refused.  ``#pragma GCC dependency`` only compares dates (its
warning is off) and ``asm(".incbin ...")`` is kept as text in the IR, never assembled:
neither reads a file.  The check runs after clang, so clang still opens the refused file
(a FIFO then blocks it until the timeout, as without confinement); nothing of it is kept.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..errors import IncludeRefusedError

__all__ = ["IncludeGuard", "parse_depfile", "search_dirs", "DEPS_FILE"]

#: The dependency list the compile writes in its temporary folder.
DEPS_FILE = "__mirencoder_deps.d"
_PREPASS_FILE = "__mirencoder_prepass.d"
_WITHHELD = (
    "(clang's diagnostic is withheld: with confine_includes=True it is shown only once the files "
    "clang read are known to be allowed, and here they could not be listed)"
)


def parse_depfile(text: str) -> list[str]:
    """The prerequisites of a Makefile rule written by clang (``-M``/``-MD``), unescaped.

    clang writes ``target: a.c b.h \\`` with ``\\ `` for a space, ``\\#`` for ``#`` and
    ``$$`` for ``$`` in file names; a backslash before a newline continues the line.
    """
    words: list[str] = []
    cur: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if c == "\\" and nxt in ("\n", "\r"):
            i += 2 if not (nxt == "\r" and text[i + 2 : i + 3] == "\n") else 3
            c = " "
        elif c == "\\" and nxt in (" ", "#"):
            cur.append(nxt)
            i += 2
            continue
        elif c == "$" and nxt == "$":
            cur.append("$")
            i += 2
            continue
        else:
            i += 1
        if c in " \t\r\n":
            if cur:
                words.append("".join(cur))
                cur = []
        else:
            cur.append(c)
    if cur:
        words.append("".join(cur))
    # drop the target(s): everything up to the first word ending in ':'
    for k, w in enumerate(words):
        if w.endswith(":"):
            return words[k + 1 :]
    return words


@functools.lru_cache(maxsize=128)
def search_dirs(command: tuple[str, ...]) -> tuple[str, ...]:
    """The include search path of ``command`` (a clang command line without input or
    output), as ``clang -E -v`` prints it; empty when clang cannot tell."""
    try:
        proc = subprocess.run(
            [*command, "-E", "-v", "-o", os.devnull, os.devnull],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            start_new_session=True,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    dirs: list[str] = []
    inside = False
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        if "search starts here:" in line:
            inside = True
        elif line.startswith("End of search list."):
            inside = False
        elif inside and line.startswith(" "):
            d = line.strip()
            for suffix in (" (framework directory)", " (headermap)"):
                d = d.removesuffix(suffix)
            if os.path.isabs(d):
                dirs.append(d)
    return tuple(dirs)


def _within(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


class IncludeGuard:
    """Checks what one compile read (see the module docstring).

    Parameters
    ----------
    command : sequence of str
        The compiler command and its flags, without input and output.
    source_dir : str or None
        The program's own folder (``-I <source_dir>`` is in ``command`` when given).
    resource_dir : str or None
        clang's resource directory.
    name : str
        The sample's name, for errors.
    timeout : float or None
        Seconds the preprocessing pass of a failed compile may take.
    extra_flags : sequence of str
        The caller's flags, at the end of ``command`` (before ``-c -emit-llvm``): the folders
        they add to the include path are allowed by real path only.
    """

    #: What the compile adds to its command line.
    flags = ("-MD", "-MF", DEPS_FILE, "-fno-crash-diagnostics")

    def __init__(
        self,
        command: Sequence[str],
        *,
        source_dir: str | None,
        resource_dir: str | None,
        name: str,
        timeout: float | None = 60.0,
        extra_flags: Sequence[str] = (),
    ):
        command = list(command)
        if command[-2:] == ["-c", "-emit-llvm"]:
            command = command[:-2]
        self.command = command
        self.name = name
        self.timeout = timeout
        own = os.path.abspath(source_dir) if source_dir is not None else None
        probe = _without_include(command, own)
        base = probe[: len(probe) - len(extra_flags)] if extra_flags else probe
        system = search_dirs(tuple(base))
        callers = [d for d in search_dirs(tuple(probe)) if d not in system] if extra_flags else []
        self.own = [*([own] if own else []), *callers]
        shipped = str(Path(__file__).resolve().parent.parent / "_data" / "include")
        self.trusted = [shipped, *([resource_dir] if resource_dir else []), *system]

    def check(self, tmp: str, src_name: str, rc: int, stderr: str) -> str:
        """Raise :class:`IncludeRefusedError` if the compile in ``tmp`` read a file it may
        not; else return the diagnostic to show (``stderr``, or a note when withheld)."""
        entries = _read_deps(Path(tmp, DEPS_FILE))
        if entries is None and rc == 0:
            raise IncludeRefusedError(
                "clang wrote no list of the files it read, so the includes cannot be checked; remove "
                "-M/-MD/-MF options from extra_flags, or pass confine_includes=False",
                sample=self.name,
            )
        if entries is None:
            entries = self._prepass(tmp, src_name)
            if entries is None:
                return _WITHHELD
        own_real = [os.path.realpath(tmp), *(os.path.realpath(d) for d in self.own)]
        trusted_real = [os.path.realpath(d) for d in self.trusted]
        trusted_norm = [os.path.normpath(d) for d in self.trusted]
        for entry in entries:
            self._check_entry(entry, tmp, own_real, trusted_real, trusted_norm)
        return stderr

    def withhold(self, exc):
        """``exc`` (a timeout) without clang's diagnostic, which may quote a refused file."""
        return type(exc)(exc.reason, sample=exc.sample, diagnostic=_WITHHELD)

    def _check_entry(self, entry: str, tmp: str, own_real, trusted_real, trusted_norm) -> None:
        path = entry if os.path.isabs(entry) else os.path.join(tmp, entry)
        if not os.path.lexists(path):
            if self._prepassing:
                return  # -MG lists missing headers: nothing was read
            raise IncludeRefusedError(
                f"clang read {entry!r}, a name that cannot be checked (it does not exist as written); "
                "confine_includes=True refuses it. Rename the file without spaces, tabs or newlines, or "
                "pass confine_includes=False",
                sample=self.name,
                path=entry,
            )
        real = os.path.realpath(path)
        if _within(real, own_real + trusted_real) or _within(os.path.normpath(path), trusted_norm):
            return
        shown = os.path.normpath(path)
        via = f" (a link to {real!r})" if real != shown else ""
        raise IncludeRefusedError(
            f"the program reads {shown!r}{via}, outside its own folder, the headers shipped with "
            "sklearn-mirencoder and the compiler's include path; confine_includes=True refuses it. Copy "
            "the header next to the program, or pass confine_includes=False for code you trust",
            sample=self.name,
            path=real,
        )

    _prepassing = False

    def _prepass(self, tmp: str, src_name: str) -> list[str] | None:
        """What a failed compile read, from a preprocessing pass that goes on past missing
        headers (``-M -MG``); None when even that fails."""
        cmd = [*self.command, "-M", "-MG", "-MF", _PREPASS_FILE, src_name]
        try:
            subprocess.run(
                cmd, cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True, timeout=self.timeout,
                start_new_session=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        entries = _read_deps(Path(tmp, _PREPASS_FILE))
        if entries is not None:
            self._prepassing = True
        return entries


def _read_deps(path: Path) -> list[str] | None:
    try:
        return parse_depfile(path.read_text("utf-8", "surrogateescape"))
    except OSError:
        return None


def _without_include(command: list[str], folder: str | None) -> list[str]:
    """``command`` without the ``-I <folder>`` pair of the program's own folder."""
    if folder is None:
        return command
    out: list[str] = []
    skip = False
    for k, arg in enumerate(command):
        if skip:
            skip = False
            continue
        if arg == "-I" and k + 1 < len(command) and command[k + 1] == folder:
            skip = True
            continue
        out.append(arg)
    return out

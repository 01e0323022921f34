"""The batch command line ``bayes-magic``, like ``stata -b do``.

::

    bayes-magic FILE.do            run a do-file
    bayes-magic -e "cmd" [-e ...]  run commands
    bayes-magic                    read commands from standard input
    bayes-magic demo               replay the talk's analysis on the bundled data

The log (each command echoed as ``. command``, then its output) goes to standard output. The
first error prints Stata's message and ``r(#);``, stops the run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources

__all__ = ["main", "demo_text"]


def demo_text() -> str:
    """The commands of the demo (the talk's analysis, as far as this version runs it)."""
    return (resources.files("bayes_magic") / "demo.do").read_text()


def _run(text: str, *, cwd: str | None = None) -> int:
    # numba and matplotlib write caches next to themselves; keep batch runs headless
    os.environ.setdefault("MPLBACKEND", "Agg")
    from .session import Session

    s = Session()
    written = 0

    def write(o) -> None:  # the log as it happens: each command's output when it ends
        nonlocal written
        if written and o.kind in ("echo", "result"):
            sys.stdout.write("\n")  # a blank line before each echo and table (Result.log)
        sys.stdout.write(o.text() + "\n")
        sys.stdout.flush()
        written += 1

    s.sink = write
    res = s.execute(text, echo=True)
    if res.error is not None:
        if res.error.rc == 9999 and s.last_traceback and os.environ.get("BAYES_MAGIC_DEBUG"):
            sys.stderr.write(s.last_traceback)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bayes-magic`` console script."""
    p = argparse.ArgumentParser(
        prog="bayes-magic",
        description="Run Stata commands (do-files, -e commands, or standard input) with "
        "bayes_magic and print the log.",
    )
    p.add_argument("file", nargs="?", help="a do-file to run, or 'demo' for the talk's analysis")
    p.add_argument(
        "-e",
        dest="commands",
        action="append",
        default=[],
        metavar="CMD",
        help="a command to run (repeatable)",
    )
    args = p.parse_args(argv)
    if args.file and args.commands:
        p.error("give a do-file or -e commands, not both")
    if args.file == "demo":
        return _run(demo_text())
    if args.file:
        path = args.file
        if not os.path.exists(path) and os.path.exists(path + ".do"):
            path += ".do"
        if not os.path.exists(path):
            sys.stdout.write(f"file {args.file} not found\nr(601);\n")
            return 1
        with open(path, encoding="utf-8") as f:
            return _run(f.read())
    if args.commands:
        return _run("\n".join(args.commands))
    return _run(sys.stdin.read())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

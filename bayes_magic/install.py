"""Install the Stata kernel's spec: ``python -m bayes_magic.install [--user | --sys-prefix |
--prefix P]``.

The spec (``kernel.json`` and two logos) ships inside the package, in ``bayes_magic/kernelspec``;
the installed ``kernel.json`` starts the kernel with this Python (``sys.executable``), so the
kernel runs in the environment bayes_magic is installed in, whatever ``python`` is on the PATH.
(The ``kernel.json`` shipped as a data file under ``share/jupyter/kernels/bayes_magic`` says
``"python"`` and so works in whichever environment Jupyter runs from.)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

__all__ = ["KERNEL_NAME", "spec_dir", "write_spec", "install", "main"]

KERNEL_NAME = "bayes_magic"
_FILES = ("kernel.json", "logo-32x32.png", "logo-64x64.png")


def spec_dir() -> Path:
    """The folder holding the shipped kernel.json and logos."""
    root = resources.files("bayes_magic") / "kernelspec"
    if root.is_dir():
        return Path(str(root))
    # a source checkout without the package copy: the repository's top-level kernel/
    repo = Path(__file__).resolve().parent.parent / "kernel"
    if (repo / "kernel.json").is_file():
        return repo
    raise FileNotFoundError("bayes_magic's kernelspec files are missing")


def write_spec(dest: str | Path, executable: str | None = None) -> Path:
    """Write the kernel spec into ``dest`` with ``argv[0]`` set to ``executable``
    (default ``sys.executable``)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    src = spec_dir()
    for name in _FILES[1:]:
        if (src / name).is_file():
            shutil.copyfile(src / name, dest / name)
    spec = json.loads((src / "kernel.json").read_text())
    spec["argv"][0] = executable or sys.executable
    (dest / "kernel.json").write_text(json.dumps(spec, indent=2) + "\n")
    return dest


def install(
    *,
    user: bool = False,
    prefix: str | None = None,
    name: str = KERNEL_NAME,
    executable: str | None = None,
) -> str:
    """Install the spec with Jupyter's kernel spec manager; returns where it went."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        src = write_spec(Path(tmp) / name, executable)
        return KernelSpecManager().install_kernel_spec(
            str(src), kernel_name=name, user=user, prefix=prefix
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bayes_magic.install",
        description="Install the 'Stata (bayes_magic)' Jupyter kernel.",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for the current user")
    where.add_argument(
        "--sys-prefix", action="store_true", help="install into sys.prefix (this environment)"
    )
    where.add_argument("--prefix", help="install into this prefix (PREFIX/share/jupyter)")
    p.add_argument("--name", default=KERNEL_NAME, help="kernel name (default %(default)s)")
    a = p.parse_args(argv)
    prefix = sys.prefix if a.sys_prefix else a.prefix
    dest = install(user=a.user, prefix=prefix, name=a.name)
    print(f"Installed kernelspec {a.name} in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

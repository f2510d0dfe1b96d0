"""Cuts LocalStack's virtualenv down to what this stack loads (run by docker/localstack/Dockerfile at build time).

    python prune.py --moto-backends "apigateway iam ..." --modules imported-modules.txt

In the virtualenv of the interpreter that runs it:
- removes moto's backends (``moto/<service>/``) other than those named: LocalStack answers its services with moto's
  backends, one package per AWS service, and this stack's services import a handful of them;
- removes every folder named ``tests`` or ``test`` (the packages' own test suites);
- compiles the modules that ``--modules`` lists, and only those: the modules a whole end-to-end run on the image
  imported (recorded by ``record_imports.py``). Their bytecode is what keeps LocalStack's start and each function
  process's start fast (the image's files belong to root, so nothing can write bytecode at run time); the other
  modules keep their source, so one imported after all still works, compiled in memory. The bytecode is
  ``unchecked-hash``: the image's sources never change, so Python need not compare them with it.

Prints what each rule removed, in MB.
"""

import argparse
import os
import py_compile
import shutil
import sysconfig
from pathlib import Path

TEST_FOLDERS = {"tests", "test"}


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _remove(path: Path) -> int:
    size = _size(path)
    shutil.rmtree(path) if path.is_dir() else path.unlink()
    return size


def module_name(site: Path, source: Path) -> str:
    """``a/b/c.py`` is ``a.b.c``; ``a/b/__init__.py`` is ``a.b``."""
    parts = list(source.relative_to(site).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_list(path: Path) -> set[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def prune_moto(site: Path, kept: set[str]) -> int:
    moto = site / "moto"
    backends = [p for p in moto.iterdir() if p.is_dir() and p.name != "__pycache__"]
    missing = kept - {p.name for p in backends}
    if missing:
        raise SystemExit(f"prune: no moto backend named {sorted(missing)}")
    return sum(_remove(p) for p in backends if p.name not in kept)


def prune_tests(site: Path) -> int:
    removed = 0
    for root, dirs, _files in os.walk(site):
        for name in [d for d in dirs if d in TEST_FOLDERS]:
            dirs.remove(name)
            removed += _remove(Path(root) / name)
    return removed


def compile_imported(site: Path, imported: set[str]) -> tuple[int, int]:
    """Bytecode for the imported modules only; returns (bytes removed, bytes written)."""
    removed = sum(_remove(p) for p in list(site.rglob("__pycache__")))
    written = 0
    for source in site.rglob("*.py"):
        if module_name(site, source) in imported:
            mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
            compiled = py_compile.compile(str(source), doraise=True, invalidation_mode=mode)
            written += Path(compiled).stat().st_size if compiled else 0
    return removed, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto-backends", required=True, help="moto's backends to keep, separated by spaces")
    parser.add_argument("--modules", required=True, type=Path, help="the modules to compile, one a line")
    args = parser.parse_args()
    site = Path(sysconfig.get_paths()["purelib"])
    mb = 1e6
    print(f"prune: moto's other backends    -{prune_moto(site, set(args.moto_backends.split())) / mb:6.1f} MB")
    print(f"prune: test folders             -{prune_tests(site) / mb:6.1f} MB")
    removed, written = compile_imported(site, read_list(args.modules))
    print(f"prune: bytecode                 -{removed / mb:6.1f} MB, +{written / mb:.1f} MB for the imported modules")


if __name__ == "__main__":
    main()

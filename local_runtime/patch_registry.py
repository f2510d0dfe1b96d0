"""Every declared change to an emulator, listed: the table in ``docs/architecture.md``, and whether each still applies.

    python -m local_runtime.patch_registry --markdown | --write | --check

The declarations live beside what they change (``ministack/patches.py``, ``localstack/patches.py``); the helper that
makes a change is ``patching.py``.
"""

import argparse
import importlib
import importlib.metadata
import re
import sys
from pathlib import Path

from local_runtime.patching import Change

PAGE = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
START, END = "<!-- patches:start -->", "<!-- patches:end -->"


def declared() -> list[Change]:
    """Every declared change: MiniStack's, then LocalStack's, each in the order declared."""
    importlib.import_module("local_runtime.ministack.patches")
    importlib.import_module("local_runtime.localstack.patches")
    return sorted(Change.declared, key=lambda change: change.emulator, reverse=True)


def markdown() -> str:
    rows = ["| emulator | name replaced | kind | why | written for | guarded by |", "|---|---|---|---|---|---|"]
    for change in declared():
        cells = [change.emulator, f"`{change.target}.{change.name}`", change.kind, change.why, change.written_for]
        rows.append("| " + " | ".join([*cells, f"`{change.guarded_by}`"]) + " |")
    return "\n".join(rows) + "\n"


def page_with_table(page: str) -> str:
    """The page with the registry's table between its markers."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    return pattern.sub(lambda _: f"{START}\n{markdown()}{END}", page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_runtime.patch_registry", description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the registry's table")
    parser.add_argument("--write", action="store_true", help=f"write the table into {PAGE.name}")
    parser.add_argument("--check", action="store_true", help="does each change still apply here? (exit 0)")
    args = parser.parse_args(argv)
    if args.write:
        PAGE.write_text(page_with_table(PAGE.read_text()))
    if args.markdown:
        print(markdown(), end="")
    if args.check:
        versions = {found.metadata["Name"].lower(): found.version for found in importlib.metadata.distributions()}
        for emulator in dict.fromkeys(change.emulator for change in declared()):
            print(f"{emulator} installed here: {versions.get(emulator, 'none')}")
        for change in declared():
            print(f"{change.emulator:<10} {change.target}.{change.name}: {change.check()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

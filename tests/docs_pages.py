"""The generated parts of docs/: the settings tables, rendered from ``bootstrap.settings.DOCUMENTED``.

Usage: python -m tests.docs_pages            exit 1, naming the page, when a page differs from what is rendered
       python -m tests.docs_pages --write    rewrite the generated parts of the pages

Each generated part sits between two markers (``<!-- settings:start -->``, ``<!-- settings:end -->``); the text
around them is written by hand. ``tests/unit/project/test_docs_pages.py`` fails when a page differs.
(The conformance matrix in docs/testing.md has its own generator: ``python -m tests.conformance --docs``.)
"""

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from bootstrap.settings import DOCUMENTED, Setting

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PAGE = ROOT / "docs" / "settings.md"
SETTINGS_MARKERS = ("<!-- settings:start -->", "<!-- settings:end -->")


def _cell(text: str, code: bool = False) -> str:
    if not text:
        return ""
    return f"`{text}`" if code else text.replace("|", "\\|")


def render_settings(settings: Iterable[Setting] = DOCUMENTED) -> str:
    """One table per group, in the order of ``DOCUMENTED``, each under a heading of its own."""
    lines: list[str] = []
    group = None
    for setting in settings:
        if setting.group != group:
            group = setting.group
            lines += [""] if lines else []
            lines += [f"### {group}", "", "| variable | flag | default | what it does |", "|---|---|---|---|"]
        cells = (
            _cell(setting.variable, True),
            _cell(setting.flag, True),
            _cell(setting.default),
            _cell(setting.meaning),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def between(text: str, markers: tuple[str, str]) -> str:
    """What a page holds between its two markers."""
    start, end = markers
    if start not in text or end not in text:
        raise ValueError(f"the page has no {start} ... {end} markers")
    return text.split(start, 1)[1].split(end, 1)[0].strip("\n") + "\n"


def replaced(text: str, markers: tuple[str, str], body: str) -> str:
    """The page with ``body`` between its markers (and nothing else changed)."""
    start, end = markers
    between(text, markers)  # both markers are there
    before, rest = text.split(start, 1)
    return f"{before}{start}\n{body}{end}{rest.split(end, 1)[1]}"


# page -> (markers, renderer)
GENERATED = {SETTINGS_PAGE: (SETTINGS_MARKERS, render_settings)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite the generated parts of the pages")
    args = parser.parse_args(argv)
    stale = []
    for page, (markers, render) in GENERATED.items():
        text = page.read_text()
        if between(text, markers) == render():
            continue
        if args.write:
            page.write_text(replaced(text, markers, render()))
            print(f"wrote {page.relative_to(ROOT)}", file=sys.stderr)
        else:
            stale.append(page)
    for page in stale:
        print(f"{page.relative_to(ROOT)} differs from its generator: run python -m tests.docs_pages --write")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())

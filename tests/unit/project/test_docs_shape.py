"""The README stays a short guide and the docs hold no history: their size, no dated line, links that lead
somewhere (into docs/ and fixtures/, with the heading a link names)."""

import re
from pathlib import Path

import pytest

from tests.support.paths import ROOT

pytestmark = pytest.mark.unit
README, DOCS = ROOT / "README.md", ROOT / "docs"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
DATE = re.compile(r"20\d\d-\d\d-\d\d")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CHECKED_FOLDERS = ("docs", "fixtures")  # other links may name paths that are being moved


def _shown(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _prose(page: Path) -> str:
    """The page without its fenced code blocks (a link there is text, not a link)."""
    return re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", _prose(page), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_readme__at_most_200_lines():
    assert len(README.read_text().splitlines()) <= 200


def test_performance_page__at_most_150_lines():
    assert len((DOCS / "performance.md").read_text().splitlines()) <= 150


@pytest.mark.parametrize("record", sorted((DOCS / "decisions").glob("0*.md")), ids=lambda path: path.name)
def test_decision_record__short_with_its_four_parts(record):
    text = record.read_text()
    assert re.fullmatch(r"\d{4}-[a-z0-9-]+\.md", record.name)
    assert text.startswith(f"# {int(record.name[:4])}. ")
    assert len(text.splitlines()) <= 20
    for part in ("**Context.**", "**Decision.**", "**Measured.**", "**Consequences.**"):
        assert part in text, part


@pytest.mark.parametrize("page", PAGES, ids=_shown)
def test_page__has_no_dated_line(page):
    # History belongs in git: a dated line is a lab note, not documentation.
    assert [line for line in page.read_text().splitlines() if DATE.search(line)] == []


@pytest.mark.parametrize("page", PAGES, ids=_shown)
def test_relative_links__lead_to_a_file_and_its_heading(page):
    broken = []
    for target in LINK.findall(_prose(page)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        inside = resolved.relative_to(ROOT).parts if resolved.is_relative_to(ROOT) else ()
        if resolved != README and (not inside or inside[0] not in CHECKED_FOLDERS):
            continue
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and anchor not in _anchors(resolved):
            broken.append(f"{target}: no such heading")
    assert broken == []

"""Where the project's files are, and a copy of ``handler/`` that a test may edit."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def handler_copy(folder: Path) -> Path:
    """A copy of ``handler/`` (its sources only) in ``folder``, to deploy and edit without touching the project's."""
    copy = folder / "handler"
    copy.mkdir(parents=True)
    for source in (ROOT / "handler").glob("*.py"):
        (copy / source.name).write_bytes(source.read_bytes())
    return copy

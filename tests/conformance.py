"""The conformance matrix: which AWS behaviours each target reproduces, recorded by the suite itself.

Every test that asserts an AWS behaviour carries ``@pytest.mark.aws_behaviour("<behaviour>", "<AWS's answer>")``.
At the end of a session the result of each one on the session's target (passed, a marked gap, failed,
skipped) is merged into ``.stack/conformance/<target>.json``. ``./harness conformance --record`` keeps
those results in ``fixtures/conformance/`` and prints the table; ``--docs`` writes it into docs/testing.md,
where ``tests/unit/project/test_conformance.py`` fails if it differs from the recorded results.
"""

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "fixtures" / "conformance"
PAGE = ROOT / "docs" / "testing.md"
START, END = "<!-- conformance:start -->", "<!-- conformance:end -->"
# Targets in the order of the table's columns, with their headings.
TARGETS = {
    "ministack": "MiniStack, embedded (default)",
    "compose-ministack": "MiniStack, Compose",
    "localstack": "LocalStack, host",
    "compose-localstack": "LocalStack, Compose (our image)",
    "localstack-docker": "LocalStack, testcontainers",
    "moto": "moto (unit tests)",
}
_RANK = {"failed": 3, "gap": 2, "passed": 1, "skipped": 0}


def session_target(unit: bool, environ: dict[str, str] | None = None) -> str | None:
    """The column a session's results go to (None: a target the matrix does not show, such as AWS)."""
    env = os.environ if environ is None else environ
    if unit:
        return "moto"
    if env.get("HARNESS_TARGET") == "aws" or env.get("AWS_ENDPOINT_URL") or env.get("AWS_ENDPOINT"):
        return None
    emulator = env.get("HARNESS_EMULATOR") or "ministack"
    return emulator if emulator in TARGETS else None


def output_dir() -> Path:
    return Path(os.environ.get("HARNESS_CONFORMANCE_DIR") or ROOT / ".stack" / "conformance")


class Recorder:
    """Collects (behaviour, AWS's answer) -> worst outcome, with the reason of a gap or a skip."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, dict[str, str]]] = {}  # target -> behaviour -> result

    def add(self, target: str, behaviour: str, aws: str, outcome: str, reason: str = "") -> None:
        current = self.results.setdefault(target, {}).get(behaviour)
        if current is None or _RANK[outcome] > _RANK[current["outcome"]]:
            self.results[target][behaviour] = {"aws": aws, "outcome": outcome, "reason": reason}

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for target, behaviours in self.results.items():
            path = directory / f"{target}.json"
            merged = json.loads(path.read_text()) if path.exists() else {}
            # A behaviour skipped here (no Docker engine, say) keeps what an earlier session found.
            merged.update({b: r for b, r in behaviours.items() if r["outcome"] != "skipped" or b not in merged})
            path.write_text(json.dumps(dict(sorted(merged.items())), indent=2) + "\n")


def _cell(result: dict[str, str] | None) -> str:
    if result is None:
        return "—"
    if result["outcome"] == "passed":
        return "as AWS"
    if result["outcome"] == "gap":
        return f"**differs**: {result['reason'].split('gap: ', 1)[-1]}"
    if result["outcome"] == "skipped":
        return "n/a"
    return "**FAILS**"


def render(directory: Path = RECORDED) -> str:
    """The Markdown table of the recorded results: one row per behaviour, one column per target."""
    paths = {target: directory / f"{target}.json" for target in TARGETS}
    recorded = {target: json.loads(path.read_text()) if path.exists() else {} for target, path in paths.items()}
    behaviours = sorted({(b, r["aws"]) for results in recorded.values() for b, r in results.items()})
    lines = [
        "| behaviour | AWS | " + " | ".join(TARGETS.values()) + " |",
        "|---|---|" + "---|" * len(TARGETS),
    ]
    for behaviour, aws in behaviours:
        cells = [_cell(recorded[target].get(behaviour)) for target in TARGETS]
        lines.append(f"| {behaviour} | {aws} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def page_table(text: str) -> str:
    """The table between the page's conformance markers."""
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", action="store_true", help=f"keep the results of {output_dir()} first")
    # --readme: the option's name when the table was in the README
    parser.add_argument("--docs", "--readme", action="store_true", help="write the table into docs/testing.md")
    args = parser.parse_args()
    if args.record:
        RECORDED.mkdir(parents=True, exist_ok=True)
        for path in sorted(output_dir().glob("*.json")):
            shutil.copyfile(path, RECORDED / path.name)
            print(f"recorded {path.name}", file=sys.stderr)
    table = render()
    if args.docs:
        text = PAGE.read_text()
        before, rest = text.split(START, 1)
        PAGE.write_text(f"{before}{START}\n{table}{END}{rest.split(END, 1)[1]}")
    print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

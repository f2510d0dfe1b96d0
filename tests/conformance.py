"""The conformance matrix: what AWS answers (recorded facts) and how each target gets there, recorded by the suite.

Every test that asserts an AWS behaviour carries ``@pytest.mark.aws_behaviour("<fact id>")``; the fact, in
``fixtures/aws_facts.json``, is AWS's answer and the public source it was documented or recorded in. At the end of a
session every case's outcome on the session's target (passed, a marked gap, failed, skipped) is written to
``.stack/conformance/<target>.json`` with its provenance (commit, date, emulator and backend versions), replacing what
was there. ``./harness conformance --record`` keeps those files in ``fixtures/conformance/``; ``--check`` fails when a
session's results differ from the kept ones (CI, after the tests); ``--docs`` writes the table into docs/testing.md.
"""

import argparse
import ast
import datetime
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local_runtime.localstack.versions import DYNAMODB_LOCAL_VERSION

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "fixtures" / "aws_facts.json"
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
# Which emulator's declared changes (local_runtime/patch_registry.py) each target runs with.
FAMILY = {"ministack": "ministack", "compose-ministack": "ministack", "moto": "moto"} | dict.fromkeys(
    ("localstack", "compose-localstack", "localstack-docker"), "localstack-core"
)
# Declared changes that make a behaviour AWS's but are guarded by a test without its marker (a unit test, or the
# marked test of a sibling behaviour): "<target>.<name>" as the registry lists them.
ROUTES = {
    "api-key-disabled": ["ministack.services.apigateway_v1._update_api_key"],
    "function-crash": ["ministack.services.apigateway_v1._lambda_proxy_response"],
    "function-timeout": ["ministack.services.apigateway_v1._lambda_proxy_response"],
    "update-expression-syntax": ["ministack.services.dynamodb._update_item"],
    "usage-plan-throttle": [
        "localstack.runtime.hooks.on_infra_start",
        "localstack.services.apigateway.next_gen.execute_api.handlers.preprocess_request",
    ],
    "usage-plan-quota": ["localstack.runtime.hooks.on_infra_start", "localstack.aws.handlers.preprocess_request"],
}
OUTCOMES = ("failed", "gap", "passed", "skipped")  # the worst first: a fact is passed if no case failed or is a gap
VIA_KIND = {"aws-parity": "patch", "extension": "extension"}


def facts() -> dict[str, Any]:
    """The recorded AWS facts: {"sources": {id: source}, "facts": {id: fact}}."""
    return json.loads(FACTS.read_text())


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


def outcome_of(report: pytest.TestReport) -> tuple[str, str]:
    """A test report's outcome for the matrix, with the reason of a gap or a skip."""
    if hasattr(report, "wasxfail"):
        return ("gap", report.wasxfail) if report.skipped else ("failed", "")
    if report.skipped:
        return "skipped", str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
    return ("passed" if report.passed else "failed"), ""


def _version(distribution: str) -> str:
    try:
        return f"{distribution} {importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{distribution} (not installed here)"


def versions(target: str) -> dict[str, str]:
    """The emulator that answered on ``target`` and the DynamoDB behind it."""
    family = FAMILY[target]
    if family == "localstack-core":
        from local_runtime.localstack.patches import VERSION  # its own virtualenv or image, built from this pin

        return {"emulator": VERSION, "backend": f"DynamoDB Local {DYNAMODB_LOCAL_VERSION}"}
    emulator = _version(family)
    return {"emulator": emulator, "backend": f"{family}'s own DynamoDB ({emulator})"}


def provenance(target: str, complete: bool) -> dict[str, Any]:
    """What a record was made with; ``complete``: the session ran the whole suite, not a selection of it."""
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    changed = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
    return {
        "commit": commit or "unknown",
        "uncommitted_changes": bool(changed),
        "recorded": datetime.datetime.now(datetime.UTC).date().isoformat(),
        **versions(target),
        "complete": complete,
    }


class Recorder:
    """Counts each fact's cases per outcome on each target; ``save`` replaces the target's record."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, dict[str, Any]]] = {}  # target -> fact -> {"cases": {...}, "reasons": [..]}

    def add(self, target: str, fact: str, outcome: str, reason: str = "", count: int = 1) -> None:
        result = self.results.setdefault(target, {}).setdefault(fact, {"cases": {}, "reasons": []})
        result["cases"][outcome] = result["cases"].get(outcome, 0) + count
        if reason and reason not in result["reasons"]:
            result["reasons"] = sorted([*result["reasons"], reason])

    def merge(self, other: dict[str, dict[str, dict[str, Any]]]) -> None:
        """Adds what another process (a pytest-xdist worker) recorded."""
        for target, results in other.items():
            for fact, result in results.items():
                for outcome, count in result["cases"].items():
                    self.add(target, fact, outcome, count=count)
                mine = self.results[target][fact]
                mine["reasons"] = sorted(set(mine["reasons"]) | set(result["reasons"]))

    def save(self, directory: Path, complete: bool) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for target, results in self.results.items():
            record = {"provenance": provenance(target, complete), "results": {}}
            for fact, result in sorted(results.items()):
                cases = dict(sorted(result["cases"].items()))
                worst = next(outcome for outcome in OUTCOMES if cases.get(outcome))
                record["results"][fact] = {"outcome": worst, "cases": cases, "reasons": result["reasons"]}
            (directory / f"{target}.json").write_text(json.dumps(record, indent=2) + "\n")


def _marks(node: ast.expr) -> list[ast.Call]:
    """The ``pytest.mark.<name>(...)`` calls in a decorator or a ``pytestmark`` value."""
    return [call for call in ast.walk(node) if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)]


def _needs_faults(calls: list[ast.Call]) -> bool:
    return any(call.func.attr == "needs" and "faults" in map(ast.literal_eval, call.args) for call in calls)


def marked_tests() -> dict[str, list[tuple[str, bool]]]:
    """fact -> the tests marked with it (``path::function``), each with whether it needs the fault proxy."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        module = [call for node in tree.body if isinstance(node, ast.Assign) for call in _marks(node.value)]
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            calls = [call for decorator in node.decorator_list for call in _marks(decorator)]
            faults = _needs_faults(module) or _needs_faults(calls)
            for call in calls:
                if call.func.attr == "aws_behaviour":
                    test = f"{path.relative_to(ROOT)}::{node.name}"
                    found.setdefault(ast.literal_eval(call.args[0]), []).append((test, faults))
    return found


def routes() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """fact -> emulator -> the declared changes (kind, name) its answer goes through there."""
    from local_runtime.patch_registry import declared

    marked = marked_tests()
    via: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for change in declared():
        if change.kind not in VIA_KIND:
            continue
        dotted = f"{change.target}.{change.name}"
        for fact, tests in marked.items():
            guards = {test for test, _ in tests}
            if change.guarded_by.split("[")[0] in guards or dotted in ROUTES.get(fact, []):
                entry = (VIA_KIND[change.kind], change.name)
                if entry not in via.setdefault(fact, {}).setdefault(change.emulator, []):
                    via[fact][change.emulator].append(entry)
    return via


def _answer(aws: dict[str, Any]) -> str:
    if "outcome" in aws:
        return aws["outcome"]
    if not isinstance(aws["status"], int):  # one answer per case
        return f"{aws['status']} and {aws['code']}"
    parts = [str(aws["status"]), *(f"`{aws[key]}`" for key in ("code", "message") if key in aws)]
    return " ".join(parts)


class _Sources:
    """Numbers the sources in the order the table first cites them."""

    def __init__(self, known: dict[str, dict[str, str]]) -> None:
        self.known, self.cited = known, {}

    def ref(self, source: str) -> str:
        return f"[{self.cited.setdefault(source, len(self.cited) + 1)}]"

    def evidence(self, fields: list[str], evidence: list[dict[str, Any]]) -> str:
        """Which kind of source supports the answer's fields, and which fields nothing supports (assumed)."""
        by_kind: dict[str, list[str]] = {}
        for entry in evidence:
            refs = by_kind.setdefault(self.known[entry["source"]]["kind"], [])
            if self.ref(entry["source"]) not in refs:
                refs.append(self.ref(entry["source"]))
        supported = {field for entry in evidence for field in entry["supports"]}
        parts = [f"{kind} {''.join(refs)}" for kind, refs in sorted(by_kind.items(), reverse=True)]
        assumed = [field for field in fields if field not in supported]
        if assumed:
            parts.append("**assumed**" + ("" if len(assumed) == len(fields) else ": " + ", ".join(assumed)))
        return "; ".join(parts)

    def listing(self) -> list[str]:
        lines = []
        for source, number in self.cited.items():
            entry = self.known[source]
            if "url" in entry:
                lines.append(f"{number}. {entry['kind']}: [{entry['title']}]({entry['url']})")
            else:
                where = f"`{entry['repository']}` `{entry['path']}` ({entry['test']}, at {entry['commit'][:10]})"
                lines.append(f"{number}. {entry['kind']} on AWS: {where}")
        return lines


def _via(fact: str, target: str, via: dict[str, dict[str, list[tuple[str, str]]]], faults: bool) -> str:
    steps = ["fault proxy"] if faults and target != "moto" else []
    steps += [f"{kind} `{name}`" for kind, name in via.get(fact, {}).get(FAMILY[target], [])]
    return " + ".join(steps) if steps else "as is"


def _cell(result: dict[str, Any] | None, how: str) -> str:
    if result is None:
        return "—"
    cases, reasons = result.get("cases", {}), "; ".join(result.get("reasons", []))
    if result["outcome"] == "failed":
        return "**FAILS**"
    if result["outcome"] == "gap":
        return f"**differs**: {reasons.split('gap: ', 1)[-1]}"
    if result["outcome"] == "skipped":
        return f"n/a: {reasons}" if reasons else "n/a"
    total, passed = sum(cases.values()), cases.get("passed", 0)
    partly = f" in {passed} of {total} cases ({total - passed} n/a)" if passed < total else ""
    return f"as AWS{partly}: {how}"


def _load(directory: Path, target: str) -> dict[str, Any]:
    path = directory / f"{target}.json"
    return json.loads(path.read_text()) if path.exists() else {"provenance": {}, "results": {}}


def render(directory: Path = RECORDED) -> str:
    """The Markdown table of the recorded results (one row per fact, one column per target), its sources, and
    each column's provenance. No dates: they stay in the records."""
    known = facts()
    sources, via, marked = _Sources(known["sources"]), routes(), marked_tests()
    records = {target: _load(directory, target) for target in TARGETS}
    lines = [
        "| behaviour | AWS's answer | where AWS's answer is from | " + " | ".join(TARGETS.values()) + " |",
        "|---|---|---|" + "---|" * len(TARGETS),
    ]
    for fact_id, fact in sorted(known["facts"].items(), key=lambda item: item[1]["behaviour"].lower()):
        where = sources.evidence(list(fact["aws"]), fact["evidence"])
        cases = fact.get("cases", {})
        if cases:
            case_evidence = [entry for case in cases.values() for entry in case["evidence"]]
            unsupported = [name for name, case in cases.items() if not case["evidence"]]
            where += f"; its {len(cases)} DynamoDB cases: " + sources.evidence(["code"], case_evidence).split(";")[0]
            where += "".join(f", **assumed**: `{name}`" for name in unsupported)
        faults = any(needs_faults for _, needs_faults in marked.get(fact_id, []))
        cells = [
            _cell(records[target]["results"].get(fact_id), _via(fact_id, target, via, faults)) for target in TARGETS
        ]
        lines.append(f"| {fact['behaviour']} | {_answer(fact['aws'])} | {where} | " + " | ".join(cells) + " |")
    lines += ["", "Sources:", "", *sources.listing(), "", "Records:", ""]
    for target, heading in TARGETS.items():
        made = records[target]["provenance"]
        if not made:
            continue
        commit = made["commit"][:10] + (" with uncommitted changes" if made.get("uncommitted_changes") else "")
        line = f"- {heading}: commit {commit}, {made['emulator']}, backend {made['backend']}"
        if made.get("complete") is None:  # kept before records had provenance: taken from git history
            line += "; **an old record**: no case counts (a skipped case may count as passed), commit from git history"
        elif not made["complete"]:
            line += "; **a selection of the suite**"
        lines.append(line)
    return "\n".join(lines) + "\n"


def page_table(text: str) -> str:
    """What is between the page's conformance markers."""
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def differences(produced: dict[str, Any], kept: dict[str, Any]) -> list[str]:
    """What a session produced that the kept record does not say: results and versions, not commit or date."""
    found = [
        f"{key}: kept {kept['provenance'].get(key)!r}, this run {produced['provenance'].get(key)!r}"
        for key in ("emulator", "backend")
        if kept["provenance"].get(key) != produced["provenance"].get(key)
    ]
    for fact in sorted(set(produced["results"]) | set(kept["results"])):
        before, now = kept["results"].get(fact), produced["results"].get(fact)
        if before != now:
            found.append(f"{fact}: kept {json.dumps(before)}, this run {json.dumps(now)}")
    return found


def check(targets: list[str]) -> int:
    """0 when this session's records of ``targets`` are the kept ones; else prints what differs and returns 1."""
    failed = False
    for target in targets:
        path = output_dir() / f"{target}.json"
        if not path.exists():
            print(f"conformance: this run recorded nothing for {target} ({path} is missing)", file=sys.stderr)
            failed = True
            continue
        produced = json.loads(path.read_text())
        if not produced["provenance"].get("complete"):
            print(f"conformance: {target} not compared: the session ran a selection of the suite", file=sys.stderr)
            continue
        found = differences(produced, _load(RECORDED, target))
        for line in found:
            print(f"conformance: {target}: {line}", file=sys.stderr)
        failed = failed or bool(found)
    if failed:
        print(
            "conformance: the recorded results (fixtures/conformance/) are not what this run produced; if the change"
            " is meant: ./harness conformance --record --docs, and commit both",
            file=sys.stderr,
        )
    return 1 if failed else 0


def record(targets: list[str]) -> None:
    """Keeps this session's records of ``targets`` (all it made when empty), replacing the kept ones."""
    RECORDED.mkdir(parents=True, exist_ok=True)
    for path in sorted(output_dir().glob("*.json")):
        if not targets or path.stem in targets:
            shutil.copyfile(path, RECORDED / path.name)
            print(f"recorded {path.name}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", nargs="*", metavar="TARGET", help=f"keep the records in {output_dir()}")
    parser.add_argument("--check", nargs="+", metavar="TARGET", help="exit 1 when this run's records differ")
    # --readme: the option's name when the table was in the README
    parser.add_argument("--docs", "--readme", action="store_true", help="write the table into docs/testing.md")
    args = parser.parse_args()
    if args.check:
        return check(args.check)
    if args.record is not None:
        record(args.record)
    table = render()
    if args.docs:
        text = PAGE.read_text()
        before, rest = text.split(START, 1)
        PAGE.write_text(f"{before}{START}\n{table}{END}{rest.split(END, 1)[1]}")
    print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

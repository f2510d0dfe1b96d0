"""Records the modules of the LocalStack image's virtualenv that a whole end-to-end run imports: imported-modules.txt.

    .venv/bin/tox run -e docker --notest                              (once: the suite's environment)
    .tox/suite/bin/python docker/localstack/record_imports.py         (about 5 minutes)

The image keeps bytecode for these modules only (prune.py). This builds the image, then one from it whose Python
processes (LocalStack, the fault proxy, the function's processes) note each module they import, with an audit hook
(``sys.addaudithook``) that a ``.pth`` file loads, in a folder shared with this machine; runs the end-to-end suite
on Compose LocalStack with that image (a Compose override file); and, if the suite passed, writes the imported
modules that have a source file in the virtualenv, sorted. Run it again when LocalStack's pins or the executor
plugin (local_runtime/localstack/executor/, whose own bytecode its wheel brings) change what is imported.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = Path(__file__).resolve().parent / "imported-modules.txt"
IMAGE = "dynamodb-manager-harness/localstack:2026.3.0"
RECORDING_IMAGE = "dynamodb-manager-harness/localstack:record-imports"
SITE = "/opt/localstack/lib/python3.13/site-packages"
# Our plugins: installed after the pruning, with bytecode of their own.
NOT_RECORDED = ("harness_lambda_executor", "harness_localstack_start")
# Run by entrypoint.py with `python -m`: Python reads its bytecode, but the audit hook sees no import of it.
RUN_AS_MAIN = {"localstack.runtime.main"}
HEADER = """\
# The modules of LocalStack's virtualenv that a whole end-to-end run on the image imported (LocalStack, the fault
# proxy and the function's processes), written by record_imports.py. The image keeps bytecode for these only
# (prune.py); any other module still imports, compiled in memory. Regenerate it, do not edit it.
"""
AUDIT_HOOK = """\
import os, sys
_noted = set()
def _note(event, args):
    if event == "import" and args[0] not in _noted:
        _noted.add(args[0])
        try:
            with open(f"/audit/{os.getpid()}.txt", "a") as out:
                out.write(args[0] + "\\n")
        except OSError:
            pass
sys.addaudithook(_note)
"""
DOCKERFILE = f"""\
FROM {IMAGE}
COPY record_imports_hook.py record_imports_hook.pth {SITE}/
"""
OVERRIDE = f"""\
services:
  localstack:
    image: {RECORDING_IMAGE}
    build: !reset null
    pull_policy: never
    volumes:
      - {{audit}}:/audit
"""
# Module names with a source file in the virtualenv (the image's own walk, printed one a line).
LIST_MODULES = f"""\
import os
for root, _dirs, files in os.walk("{SITE}"):
    for name in files:
        if name.endswith(".py"):
            parts = os.path.relpath(os.path.join(root, name[:-3]), "{SITE}").split(os.sep)
            print(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
"""


def _run(*command: str, **kwargs: Any) -> subprocess.CompletedProcess[Any]:
    return subprocess.run(command, cwd=ROOT, check=True, **kwargs)  # noqa: S603 - fixed commands


def _record(work: Path) -> set[str] | None:
    """The modules the suite imported, or None if it failed."""
    context, audit = work / "context", work / "audit"
    context.mkdir()
    audit.mkdir()
    audit.chmod(0o777)  # noqa: S103 - LocalStack's user writes here
    (context / "record_imports_hook.py").write_text(AUDIT_HOOK)
    (context / "record_imports_hook.pth").write_text("import record_imports_hook\n")
    (context / "Dockerfile").write_text(DOCKERFILE)
    _run("docker", "build", "--quiet", "-t", RECORDING_IMAGE, str(context))
    override = work / "override.yml"
    override.write_text(OVERRIDE.format(audit=audit))
    env = {
        **os.environ,
        "COMPOSE_FILE": f"docker-compose.yml{os.pathsep}{override}",
        "HARNESS_EMULATOR": "compose-localstack",
        "HARNESS_REQUIRE_DOCKER": "1",
    }
    pytest = [sys.executable, "-m", "pytest", "-m", "e2e", "-q", "-p", "no:cacheprovider"]
    if subprocess.run(pytest, cwd=ROOT, env=env).returncode != 0:  # noqa: S603 - our own test suite
        return None
    return {line for path in audit.glob("*.txt") for line in path.read_text().split()}


def main() -> int:
    _run("docker", "compose", "build", "localstack")
    try:
        with tempfile.TemporaryDirectory(prefix="record-imports-") as work:
            imported = _record(Path(work))
        if imported is None:
            print("record_imports: the suite failed; imported-modules.txt left as it was", file=sys.stderr)
            return 1
        run = ("docker", "run", "--rm", "--entrypoint", "python", RECORDING_IMAGE, "-c", LIST_MODULES)
        listed = set(_run(*run, capture_output=True, text=True).stdout.split())
    finally:
        subprocess.run(["docker", "image", "rm", RECORDING_IMAGE], capture_output=True)  # noqa: S603, S607
    modules = sorted(name for name in (imported | RUN_AS_MAIN) & listed if not name.startswith(NOT_RECORDED))
    OUTPUT.write_text(HEADER + "".join(f"{name}\n" for name in modules))
    print(f"record_imports: {len(modules)} modules written to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

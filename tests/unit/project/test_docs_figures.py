"""Every default, limit and version the docs repeat is taken from the code here, so the two cannot drift apart."""

import re
import tomllib

import pytest

from bootstrap import function, quota, ready, table
from bootstrap.settings import DOCUMENTED, Settings
from local_runtime.function_runtime import hooks as function_hooks
from local_runtime.ministack import launcher as ministack
from local_runtime.watch import DEBOUNCE_MS, STEP_MS
from tests.support.paths import ROOT

pytestmark = pytest.mark.unit
DEFAULTS = Settings()
README, DOCS = ROOT / "README.md", ROOT / "docs"
SETTINGS_PAGE = DOCS / "settings.md"
# Where the code reads environment variables, with defaults of its own (tests/unit, e2e and aws left out).
SOURCE_FOLDERS = ("handler", "bootstrap", "local_runtime", "harness_cli", "benchmarks", "tests", "docker")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _text(*pages) -> str:
    """The pages' text, line breaks inside a sentence made plain spaces."""
    return " ".join(" ".join(page.read_text().split()) for page in pages)


def _row(page, first_cell: str) -> list[str]:
    """The cells of the page's table row whose first cell is ``first_cell``."""
    row = next(line for line in page.read_text().splitlines() if line.startswith(f"| {first_cell} |"))
    return [cell.strip() for cell in row.strip("|").split("|")]


@pytest.mark.parametrize(
    ("variable", "default"),
    [
        ("HARNESS_TARGET", f"`{DEFAULTS.target}`"),
        ("HARNESS_EMULATOR", f"`{DEFAULTS.emulator}`"),
        ("HARNESS_PORT", f"{ministack.DEFAULT_PORT} if free"),
        ("HARNESS_STACK", f"`{DEFAULTS.stack_name}`"),
        ("HARNESS_STAGE", f"`{DEFAULTS.stage}`"),
        ("AWS_REGION", f"the profile's; `{DEFAULTS.region}` on emulators"),
        ("HARNESS_STATE_DIR", f"`{DEFAULTS.state_dir.relative_to(ROOT)}/`"),
        ("HARNESS_ENDPOINT_KIND", f"`{DEFAULTS.endpoint_kind}`"),
        ("HARNESS_STAGE_RATE_LIMIT", f"{DEFAULTS.stage_rate_limit:g}"),
        ("HARNESS_STAGE_BURST_LIMIT", f"{DEFAULTS.stage_burst_limit}"),
        ("HARNESS_PLAN_RATE_LIMIT", f"{DEFAULTS.plan_rate_limit:g}"),
        ("HARNESS_PLAN_BURST_LIMIT", f"{DEFAULTS.plan_burst_limit}"),
        ("HARNESS_PLAN_QUOTA_PER_DAY", _thousands(DEFAULTS.plan_quota_per_day)),
        ("HARNESS_MEMORY_MB", f"{DEFAULTS.memory_mb}"),
        ("HARNESS_TIMEOUT_S", f"{DEFAULTS.timeout_s}"),
        ("HARNESS_LOG_LEVEL", f"`{DEFAULTS.log_level}`"),
        ("HARNESS_PREWARM", f"{DEFAULTS.prewarm}"),
        ("HARNESS_FAULTS", "`1`" if DEFAULTS.faults else "`0`"),
        ("HARNESS_CONSISTENCY_WINDOW_MS", f"{DEFAULTS.consistency_window_ms:g}"),
        ("HARNESS_DEBUG_PORT", f"{function_hooks.DEFAULT_DEBUG_PORT}"),
        ("HARNESS_ENFORCE_IAM", "`1`" if DEFAULTS.enforce_iam else "`0`"),
    ],
)
def test_settings_page__default_is_the_codes(variable, default):
    assert _row(SETTINGS_PAGE, f"`{variable}`")[2] == default


def _defaults_read_from_the_environment(variable: str) -> set[str]:
    """Every default the code gives ``variable`` where it reads it: ``os.environ.get("VAR", "default")`` (or
    ``env.get``, ``_setting``), also through a constant that names the variable (``SWITCH = "VAR"``)."""
    found = set()
    for folder in SOURCE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            if path.parent.name in ("unit", "e2e", "aws"):
                continue
            text = path.read_text()
            if variable not in text:
                continue
            names = [f'"{variable}"', *re.findall(rf'^(\w+) = "{variable}"$', text, re.MULTILINE)]
            for name in names:
                found |= set(re.findall(rf'(?:\.get|_setting)\({re.escape(name)}, "([^"]+)"\)', text))
    return found


# Variables whose default the code writes where it reads them: the scan above must keep finding these.
_READ_WITH_A_DEFAULT = (
    "HARNESS_ENFORCE_USAGE_PLANS",
    "HARNESS_MINISTACK_LOG_SETTLE_MS",
    "HARNESS_MINISTACK_LOG_FIRST_LINE_MS",
    "HARNESS_MINISTACK_PENDING_MS",
    "HARNESS_FORK_SERVER",
    "HARNESS_MINISTACK_SERVER",
)


@pytest.mark.parametrize("setting", [s for s in DOCUMENTED if s.variable], ids=lambda setting: setting.variable)
def test_documented_default__is_the_one_the_code_reads(setting):
    found = _defaults_read_from_the_environment(setting.variable)
    if setting.variable in _READ_WITH_A_DEFAULT:
        assert found, f"no default found where the code reads {setting.variable}: the scan needs updating"
    if found:
        assert found == {setting.default.strip("`")}


def test_compose_and_test_settings__defaults_are_the_codes():
    compose = (ROOT / "docker-compose.yml").read_text()
    for variable in ("HARNESS_DOCKER_PORT", "HARNESS_DOCKER_PROXY_PORT", "HARNESS_DOCKER_STATE_DIR"):
        defaults = set(re.findall(rf"\$\{{{variable}:-([^}}]+)\}}", compose))
        assert len(defaults) == 1, (variable, defaults)
        assert _row(SETTINGS_PAGE, f"`{variable}`")[1].strip("`") == defaults.pop()
    fuzz = _defaults_read_from_the_environment("HARNESS_FUZZ_EXAMPLES")
    assert {_row(SETTINGS_PAGE, "`HARNESS_FUZZ_EXAMPLES`")[1]} == fuzz


def test_prose__repeats_the_codes_limits():
    text = _text(README, *DOCS.glob("*.md"))
    plan, stage = DEFAULTS, DEFAULTS
    for phrase in (
        f"stage-wide throttling ({stage.stage_rate_limit:g} req/s, burst {stage.stage_burst_limit})",
        f"a usage plan ({plan.plan_rate_limit:g} req/s, burst {plan.plan_burst_limit}, "
        f"{_thousands(plan.plan_quota_per_day)} requests a day)",
        f"the stage throttles at {stage.stage_rate_limit:g} req/s, burst {stage.stage_burst_limit}",
        f"the usage plan allows {plan.plan_rate_limit:g} req/s, burst {plan.plan_burst_limit}, "
        f"{_thousands(plan.plan_quota_per_day)} requests a day",
        f"the usage plan's throttle ({plan.plan_rate_limit:g} req/s, burst {plan.plan_burst_limit}) or daily "
        f"quota ({_thousands(plan.plan_quota_per_day)})",
        f"a {DEFAULTS.memory_mb} MB function",
        f"with {DEFAULTS.prewarm} execution environments prewarmed",
        f"`127.0.0.1:{function_hooks.DEFAULT_DEBUG_PORT}`",
        f'"port": {function_hooks.DEFAULT_DEBUG_PORT}',
        f"`http://127.0.0.1:{ministack.DEFAULT_PORT}`",
        f"Changes are grouped until {STEP_MS} ms pass without one, at most {DEBOUNCE_MS / 1000:g} s",
    ):
        assert phrase in text, phrase


def test_no_other_usage_plan_figures__in_the_docs():
    # The figures above are the only rate/burst pairs the README and the docs give for the plan and the stage.
    pairs = set(re.findall(r"(\d+) req/s, burst (\d+)", _text(README, *DOCS.glob("*.md"))))
    assert pairs == {
        (f"{DEFAULTS.plan_rate_limit:g}", str(DEFAULTS.plan_burst_limit)),
        (f"{DEFAULTS.stage_rate_limit:g}", str(DEFAULTS.stage_burst_limit)),
    }


def test_aws_waits__are_the_bootstraps():
    text = _text(DOCS / "targets.md", DOCS / "troubleshooting.md")
    intervals = quota.INTERVALS_S
    for phrase in (
        f"({function.ROLE_PROPAGATION_TIMEOUT_S:g} s at most, then a clear error)",
        f"within {function.ROLE_PROPAGATION_TIMEOUT_S:g} s",
        f"({table.PITR_TIMEOUT_S / 60:g} minutes at most)",
        f"({ready.TIMEOUT_S / 60:g} minutes at most)",
        f"within {ready.TIMEOUT_S / 60:g} minutes",
        f"DeleteRestApi (once per {intervals['DeleteRestApi']:g} s per account), UpdateUsagePlan "
        f"({intervals['UpdateUsagePlan']:g} s) and CreateDeployment ({intervals['CreateDeployment']:g} s)",
        f"at most {quota.MAX_WAITS} times",
    ):
        assert phrase in text, phrase


def test_e2e_coverage_floor__is_tox_inis():
    floors = set(re.findall(r"--e2e-handler-floor (\d+)", (ROOT / "tox.ini").read_text()))
    assert len(floors) == 1
    floor = floors.pop()
    text = _text(README, DOCS / "testing.md")
    assert f"is below {floor} %" in text
    assert set(re.findall(r"e2e floor for handler/: (\d+) %", text)) == {floor}


def _pins() -> dict[str, str]:
    """Package name -> exact version, for every dependency pyproject.toml pins."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    pins = {}
    for requirement in requirements:
        name, version = requirement.split(";")[0].split("==")
        pins[re.sub(r"\[.*\]", "", name).strip().lower()] = version.strip()
    return pins


@pytest.mark.parametrize(("name", "version"), sorted(_pins().items()))
def test_dependencies_page__names_every_pin_at_its_version(name, version):
    assert _row(DOCS / "dependencies.md", name)[1] == version

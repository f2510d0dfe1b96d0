"""Every default and limit the README repeats is taken from the code here, so the two cannot drift apart."""

import re

import pytest

from bootstrap.settings import Settings
from local_runtime.function_runtime import hooks as function_hooks
from local_runtime.ministack import launcher as ministack
from local_runtime.ministack import tuned as ministack_tuned
from tests.support.paths import ROOT

pytestmark = pytest.mark.unit
DEFAULTS = Settings()
README = ROOT / "README.md"


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _settings_row(variable: str) -> list[str]:
    """The cells of the README's settings-table row that starts with ``variable``."""
    row = next(line for line in README.read_text().splitlines() if line.startswith(f"| `{variable}`"))
    return [cell.strip() for cell in row.strip("|").split("|")]


@pytest.mark.parametrize(
    ("variable", "default"),
    [
        ("HARNESS_TARGET", f"`{DEFAULTS.target}`"),
        ("HARNESS_EMULATOR", f"`{DEFAULTS.emulator}`"),
        ("HARNESS_PORT", f"{ministack.DEFAULT_PORT} if free"),
        ("HARNESS_STACK", f"`{DEFAULTS.stack_name}`"),
        ("HARNESS_STAGE", f"`{DEFAULTS.stage}`"),
        ("AWS_REGION", f"the profile's region; `{DEFAULTS.region}` on emulators"),
        ("HARNESS_ENFORCE_IAM", "`1`" if DEFAULTS.enforce_iam else "`0`"),
        ("HARNESS_CONSISTENCY_WINDOW_MS", f"`{DEFAULTS.consistency_window_ms:g}`"),
        ("HARNESS_PREWARM", f"{DEFAULTS.prewarm}"),
        (
            "HARNESS_PLAN_RATE_LIMIT",
            f"{DEFAULTS.plan_rate_limit:g}/s, {DEFAULTS.plan_burst_limit}, {_thousands(DEFAULTS.plan_quota_per_day)}",
        ),
        ("HARNESS_STAGE_RATE_LIMIT", f"{DEFAULTS.stage_rate_limit:g}/s, {DEFAULTS.stage_burst_limit}"),
        ("HARNESS_MEMORY_MB", f"{DEFAULTS.memory_mb}, {DEFAULTS.timeout_s}, `{DEFAULTS.log_level}`"),
        ("HARNESS_ENDPOINT_KIND", f"`{DEFAULTS.endpoint_kind}`"),
        ("HARNESS_DEBUG_PORT", str(function_hooks.DEFAULT_DEBUG_PORT)),
        (
            "HARNESS_MINISTACK_LOG_SETTLE_MS",
            f"{ministack_tuned.SETTLE_S * 1000:g}, {ministack_tuned.FIRST_LINE_S * 1000:g}",
        ),
        ("HARNESS_MINISTACK_PENDING_MS", f"{ministack_tuned.PENDING_S * 1000:g}"),
    ],
)
def test_settings_table__default_is_the_codes(variable, default):
    assert _settings_row(variable)[2] == default


def test_prose__repeats_the_codes_limits():
    text = " ".join(README.read_text().split())  # line breaks inside a sentence do not matter
    plan, stage = DEFAULTS, DEFAULTS
    for phrase in (
        f"stage-wide throttling ({stage.stage_rate_limit:g} req/s, burst {stage.stage_burst_limit})",
        f"a usage plan ({plan.plan_rate_limit:g} req/s, burst {plan.plan_burst_limit}, "
        f"{_thousands(plan.plan_quota_per_day)} requests a day)",
        f"the usage plan's throttle ({plan.plan_rate_limit:g} req/s, burst {plan.plan_burst_limit}) or daily "
        f"quota ({_thousands(plan.plan_quota_per_day)})",
        f"a {DEFAULTS.memory_mb} MB function",
    ):
        assert phrase in text, phrase


def test_no_other_usage_plan_figures__in_the_readme():
    # The figures above are the only rate/burst pairs the README gives for the plan and the stage.
    pairs = set(re.findall(r"(\d+) req/s, burst (\d+)", " ".join(README.read_text().split())))
    assert pairs == {
        (f"{DEFAULTS.plan_rate_limit:g}", str(DEFAULTS.plan_burst_limit)),
        (f"{DEFAULTS.stage_rate_limit:g}", str(DEFAULTS.stage_burst_limit)),
    }

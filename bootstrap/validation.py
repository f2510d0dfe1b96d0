"""Every setting and every name derived from it, checked against AWS's rules before anything starts.

Each broken rule is one line naming the setting, its value and the rule (``SettingsError``); the command
line prints them and exits with 2, having created or started nothing.
"""

import re
from collections.abc import Iterator

from bootstrap.clients import shared_session
from bootstrap.settings import AUTHORIZATIONS, AWS, EMBEDDED, EMULATORS, ENDPOINT, Settings, SettingsError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# (what, rule text, pattern, max length): AWS's documented limits for each derived name.
_NAME_RULES = {
    "table": ("DynamoDB table names: 3-255 of A-Z a-z 0-9 _ . -", r"[A-Za-z0-9_.-]{3,255}"),
    "function": ("Lambda function names: 1-64 of A-Z a-z 0-9 - _", r"[A-Za-z0-9_-]{1,64}"),
    "role": ("IAM role names: 1-64 of A-Z a-z 0-9 + = , . @ _ -", r"[\w+=,.@-]{1,64}"),
    "policy": ("IAM policy names: 1-128 of A-Z a-z 0-9 + = , . @ _ -", r"[\w+=,.@-]{1,128}"),
}


def known_regions() -> set[str]:
    """Every region botocore knows, in every partition (aws, aws-cn, aws-us-gov, ...)."""
    session = shared_session()
    return {
        region
        for partition in session.get_available_partitions()
        for service in ("lambda", "dynamodb", "apigateway")
        for region in session.get_available_regions(service, partition_name=partition)
    }


def _between(name: str, value: float, low: float, high: float, rule: str) -> Iterator[str]:
    if not low <= value <= high:
        yield f"{name}={value:g}: {rule}"


def problems(settings: Settings) -> list[str]:
    """Every rule the settings break, one sentence each (empty: all good)."""
    found: list[str] = []
    names = settings.names
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", settings.stack_name):
        found.append(
            f"stack name {settings.stack_name!r} (--stack, HARNESS_STACK): use 1-64 of A-Z a-z 0-9 _ - "
            "(every resource name derives from it)"
        )
    else:
        for kind, (rule, pattern) in _NAME_RULES.items():
            derived = getattr(names, kind)
            if not re.fullmatch(pattern, derived):
                found.append(f"stack name {settings.stack_name!r} gives the {kind} name {derived!r}: {rule}")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,128}", settings.stage):
        found.append(f"stage {settings.stage!r} (--stage, HARNESS_STAGE): API Gateway allows 1-128 of A-Z a-z 0-9 _")
    if settings.region not in known_regions():
        found.append(f"region {settings.region!r} (--region, AWS_REGION): not a region AWS has (botocore's list)")
    if settings.debug_port is not None and settings.target != EMBEDDED:
        found.append(
            f"--debug needs the embedded emulator (the function must run on this machine); target {settings.target!r}"
            " runs it elsewhere"
        )
    if settings.debug_port is not None and not 1024 <= settings.debug_port <= 65535:
        found.append(f"debug port {settings.debug_port} (--debug-port, HARNESS_DEBUG_PORT): use 1024-65535")
    if settings.target not in (EMBEDDED, ENDPOINT, AWS):
        found.append(f"target {settings.target!r} (--target, HARNESS_TARGET): one of embedded, endpoint, aws")
    if settings.target == EMBEDDED and settings.emulator not in EMULATORS:
        found.append(f"emulator {settings.emulator!r} (--emulator, HARNESS_EMULATOR): one of {', '.join(EMULATORS)}")
    if settings.authorization not in AUTHORIZATIONS:
        found.append(
            f"authorization {settings.authorization!r} (--authorization, HARNESS_AUTHORIZATION): one of "
            + ", ".join(AUTHORIZATIONS)
        )
    if settings.log_level.upper() not in LOG_LEVELS:
        found.append(f"HARNESS_LOG_LEVEL={settings.log_level!r}: one of {', '.join(LOG_LEVELS)}")
    found += _between("HARNESS_MEMORY_MB", settings.memory_mb, 128, 10240, "Lambda allows 128-10240 MB")
    found += _between("HARNESS_TIMEOUT_S", settings.timeout_s, 1, 900, "Lambda allows 1-900 seconds")
    found += _between("HARNESS_PREWARM", settings.prewarm, 0, 64, "0 (off) to 64 execution environments")
    if settings.port is not None:
        found += _between("--port/HARNESS_PORT", settings.port, 1, 65535, "a TCP port is 1-65535")
    for name, value in (
        ("HARNESS_STAGE_RATE_LIMIT", settings.stage_rate_limit),
        ("HARNESS_PLAN_RATE_LIMIT", settings.plan_rate_limit),
    ):
        found += _between(name, value, 0, 1e9, "requests per second, 0 or more")
    for name, value in (
        ("HARNESS_STAGE_BURST_LIMIT", settings.stage_burst_limit),
        ("HARNESS_PLAN_BURST_LIMIT", settings.plan_burst_limit),
    ):
        found += _between(name, value, 0, 1e9, "requests, 0 or more")
    found += _between("HARNESS_PLAN_QUOTA_PER_DAY", settings.plan_quota_per_day, 1, 1e12, "requests a day, 1 or more")
    found += _between("--consistency-window-ms", settings.consistency_window_ms, 0, 3_600_000, "0 (off) to 3600000 ms")
    if settings.target == AWS and (settings.faults or settings.consistency_window_ms > 0):
        found.append("--faults / --consistency-window-ms are for local stacks: --target aws never gets injected faults")
    return found


def validate(settings: Settings) -> None:
    """Raise ``SettingsError`` listing every broken rule."""
    found = problems(settings)
    if found:
        raise SettingsError("\n".join(found))

"""Every setting the bootstrap reads, taken from the environment (and the CLI) once, into one frozen object."""

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bootstrap.region import DEFAULT_REGION, region_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STACK = "lambda-apigateway"
# The documents' own names, used when the stack keeps its default name.
_DOCUMENT_NAMES = {"function": "LambdaFunctionOverHttps", "role": "lambda-apigateway-role", "api": "DynamoDBOperations"}
EMBEDDED, ENDPOINT, AWS = "embedded", "endpoint", "aws"
# How a caller is authenticated on the API's method: the API key alone (the tutorial's), or AWS_IAM (SigV4-signed
# requests, and the key still required): what API Gateway in the China regions needs without an ICP recordal.
API_KEY, IAM = "api-key", "iam"
AUTHORIZATIONS = (API_KEY, IAM)
# The embedded emulators the local runtime can start (local_runtime/<name>/launcher.py).
EMULATORS = ("ministack", "localstack")
ROLE_NAME_LIMIT, POLICY_NAME_LIMIT = 64, 128  # IAM's
# Throttling, quota and function sizing, each overridable from the environment.
_LIMIT_VARIABLES: tuple[tuple[str, str, type[int] | type[float]], ...] = (
    ("stage_rate_limit", "HARNESS_STAGE_RATE_LIMIT", float),
    ("stage_burst_limit", "HARNESS_STAGE_BURST_LIMIT", int),
    ("plan_rate_limit", "HARNESS_PLAN_RATE_LIMIT", float),
    ("plan_burst_limit", "HARNESS_PLAN_BURST_LIMIT", int),
    ("plan_quota_per_day", "HARNESS_PLAN_QUOTA_PER_DAY", int),
    ("memory_mb", "HARNESS_MEMORY_MB", int),
    ("timeout_s", "HARNESS_TIMEOUT_S", int),
    ("consistency_window_ms", "HARNESS_CONSISTENCY_WINDOW_MS", float),
    ("prewarm", "HARNESS_PREWARM", int),
)


class SettingsError(ValueError):
    """A setting breaks one of AWS's rules (or cannot be read); the message names it, its value and the rule."""


def _parse(variable: str, text: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{variable}={text!r}: must be {what}") from None


def _regional(base: str, region: str, limit: int) -> str:
    """``<base>-<region>`` within ``limit`` characters: if too long, ``base`` is cut and a hash of the full
    name keeps it unique (the same input always gives the same name)."""
    name = f"{base}-{region}"
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{base[: limit - len(region) - len(digest) - 2]}-{digest}-{region}"


@dataclass(frozen=True)
class Names:
    """Every resource name, derived from one stack name so two stacks can coexist.

    IAM is global: the role and its policy carry the region too, so the same stack in two regions
    never shares (or deletes) the other's role.
    """

    stack: str
    region: str = "us-east-1"

    @property
    def table(self) -> str:
        return self.stack

    def _named(self, kind: str) -> str:
        return _DOCUMENT_NAMES[kind] if self.stack == DEFAULT_STACK else f"{self.stack}-{kind}"

    @property
    def function(self) -> str:
        return self._named("function")

    @property
    def role(self) -> str:
        return _regional(self._named("role"), self.region, ROLE_NAME_LIMIT)

    @property
    def policy(self) -> str:
        return _regional(f"{self.stack}-dynamodb-and-logs", self.region, POLICY_NAME_LIMIT)

    @property
    def rest_api(self) -> str:
        return self._named("api")

    @property
    def api_key(self) -> str:
        return f"{self.stack}-key"

    @property
    def usage_plan(self) -> str:
        return f"{self.stack}-plan"


def _is_endpoint_variable(name: str) -> bool:
    """The variables botocore (or the documents) read as an endpoint: AWS_ENDPOINT_URL[_<SERVICE>], AWS_ENDPOINT."""
    return name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT") or name.startswith("AWS_ENDPOINT_URL_")


@dataclass(frozen=True)
class Settings:
    """What to deploy, where. Build with ``Settings.from_env()``; adjust with ``dataclasses.replace``."""

    target: str = EMBEDDED  # embedded emulator | an explicit endpoint (Compose LocalStack) | real AWS
    endpoint_url: str | None = None
    # The same endpoint as the user's machine sees it, when it differs (Compose: http://localstack:4566
    # inside the network, http://localhost:4566 on the host). Used in the outputs and the invoke URL.
    public_endpoint_url: str | None = None
    endpoint_kind: str = "localstack"  # which emulator answers at endpoint_url (names its known gaps)
    region: str = DEFAULT_REGION
    region_source: str = "given"  # AWS_REGION, AWS_DEFAULT_REGION, profile NAME, --region, or region.FALLBACK
    stack_name: str = DEFAULT_STACK
    stage: str = "dev"
    authorization: str = API_KEY  # api-key | iam (the method's authorizationType NONE or AWS_IAM; the key either way)
    emulator: str = "ministack"
    port: int | None = None  # embedded emulator's port; None: 4566 if free, else any free port
    enforce_iam: bool = True  # embedded emulator checks every call against IAM policies, as AWS does
    memory_mb: int = 256
    timeout_s: int = 10
    log_level: str = "INFO"
    stage_rate_limit: float = 200.0
    stage_burst_limit: int = 1000
    plan_rate_limit: float = 100.0
    plan_burst_limit: int = 500
    plan_quota_per_day: int = 100_000
    # > 0: reads lag writes by this long unless ConsistentRead (local stacks only: local_runtime/faults/)
    consistency_window_ms: float = 0.0
    # Local targets: execution environments ``./harness up`` starts before it returns, so a first burst of
    # that many concurrent clients finds them warm (what provisioned concurrency does on AWS). 0: none.
    prewarm: int = 16
    # The function's DynamoDB calls go through the fault proxy, so faults can be set at run time (local only)
    faults: bool = False
    # A shared fault proxy beside the endpoint's emulator (the project's Docker images run one on port
    # 4600), as this process reaches it. Unset: a proxy of the stack's own, where functions run here.
    fault_proxy_url: str | None = None
    # The endpoint's functions run as processes on this machine (the embedded emulator reached as an
    # endpoint, as the tests' extra stacks do), so a proxy on this machine's loopback reaches them.
    functions_run_here: bool = False
    # Embedded only: the function's execution environment waits for a debugger on 127.0.0.1:<port> (up --debug).
    debug_port: int | None = None
    state_dir: Path = field(default=PROJECT_ROOT / ".stack")
    # The function's source folder (HARNESS_HANDLER_DIR); None: the project's handler/. ``watch`` and ``up``
    # both build from it, so a test can deploy and edit a copy without touching handler/.
    handler_dir: Path | None = None
    # A managed policy every role the stack creates gets as its permissions boundary (HARNESS_PERMISSIONS_BOUNDARY,
    # an ARN): what the least-privileged deployer (fixtures/deployer-policy.json) requires. None: no boundary.
    permissions_boundary: str | None = None
    # Endpoint variables found set (AWS_ENDPOINT_URL, ...): --target aws ignores them, and says so.
    endpoint_variables: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        endpoint = env.get("AWS_ENDPOINT_URL") or env.get("AWS_ENDPOINT") or None
        target = env.get("HARNESS_TARGET") or (ENDPOINT if endpoint else EMBEDDED)
        port = env.get("HARNESS_PORT")
        state_dir = env.get("HARNESS_STATE_DIR")
        handler_dir = env.get("HARNESS_HANDLER_DIR")
        limits: dict[str, Any] = {
            name: _parse(var, env[var], kind) for name, var, kind in _LIMIT_VARIABLES if env.get(var)
        }
        variables = sorted(name for name in env if env[name] and _is_endpoint_variable(name))
        region, region_source = region_from_env(env)
        return cls(
            target=target,
            endpoint_url=endpoint if target == ENDPOINT else None,
            public_endpoint_url=env.get("HARNESS_PUBLIC_ENDPOINT") or None,
            # HARNESS_CONSISTENCY_PROXY_URL: its name before the proxy injected faults too
            fault_proxy_url=env.get("HARNESS_FAULT_PROXY_URL") or env.get("HARNESS_CONSISTENCY_PROXY_URL") or None,
            faults=env.get("HARNESS_FAULTS", "0") not in ("0", "false", "no", ""),
            endpoint_kind=env.get("HARNESS_ENDPOINT_KIND", cls.endpoint_kind),
            region=region,
            region_source=region_source,
            stack_name=env.get("HARNESS_STACK") or DEFAULT_STACK,
            stage=env.get("HARNESS_STAGE") or cls.stage,
            authorization=env.get("HARNESS_AUTHORIZATION") or cls.authorization,
            emulator=env.get("HARNESS_EMULATOR", cls.emulator),
            port=int(_parse("HARNESS_PORT", port, int)) if port else None,
            log_level=env.get("HARNESS_LOG_LEVEL") or cls.log_level,
            enforce_iam=env.get("HARNESS_ENFORCE_IAM", "1") not in ("0", "false", "no"),
            permissions_boundary=env.get("HARNESS_PERMISSIONS_BOUNDARY") or None,
            endpoint_variables=tuple(variables),
            state_dir=Path(state_dir).resolve() if state_dir else cls.state_dir,
            handler_dir=Path(handler_dir).resolve() if handler_dir else None,
            **limits,
        )

    def with_overrides(self, **overrides: Any) -> "Settings":
        """A copy with the given fields changed; ``None`` values leave a field as it is.

        Real AWS never has an endpoint: ``--target aws`` drops the one ``AWS_ENDPOINT_URL`` gave.
        """
        changed = replace(self, **{key: value for key, value in overrides.items() if value is not None})
        if overrides.get("region") is not None:
            changed = replace(changed, region_source="--region")
        return replace(changed, endpoint_url=None) if changed.target == AWS else changed

    @property
    def names(self) -> Names:
        return Names(self.stack_name, self.region)

    @property
    def ignored_endpoint_variables(self) -> tuple[str, ...]:
        """The endpoint variables that are set but not followed, because the target is real AWS."""
        return self.endpoint_variables if self.target == AWS else ()

    @property
    def outputs_path(self) -> Path:
        return self.state_dir / "outputs.json"

    @property
    def is_emulated(self) -> bool:
        return self.target != AWS


# The settings a user can change, as docs/settings.md shows them: ``python -m tests.docs_pages --write`` renders
# this table into the page, and a unit test fails when they differ. Defaults kept in ``Settings`` are read from
# it; the others are written as text, and a unit test compares each with the code that holds it.
@dataclass(frozen=True)
class Setting:
    """One documented setting: its environment variable, its command-line flag, its default and what it does."""

    variable: str  # "" for a flag alone
    flag: str  # "" for a variable alone
    default: str  # as the page shows it (Markdown)
    meaning: str
    group: str = ""


def _field(name: str) -> str:
    """The default of the ``Settings`` field ``name``, as the page shows it: words in code font, numbers plain."""
    value = Settings.__dataclass_fields__[name].default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`1`" if value else "`0`"
    if isinstance(value, int | float):
        number = int(value) if value == int(value) else value  # 200.0 -> 200
        return f"{number:,}".replace(",", " ") if number >= 10_000 else str(number)  # 100 000
    if isinstance(value, Path):
        return f"`{value.relative_to(PROJECT_ROOT)}/`"
    return f"`{value}`"


def _group(title: str, *settings: Setting) -> tuple[Setting, ...]:
    return tuple(replace(setting, group=title) for setting in settings)


DOCUMENTED = (
    *_group(
        "Where and what",
        Setting(
            "HARNESS_TARGET",
            "--target",
            _field("target"),
            "`embedded`, `endpoint` or `aws` (a real account: only when named)",
        ),
        Setting(
            "AWS_ENDPOINT_URL", "", _field("endpoint_url"), "an emulator running there; `AWS_ENDPOINT` is the same"
        ),
        Setting(
            "HARNESS_EMULATOR", "--emulator", _field("emulator"), "the embedded emulator: `ministack` or `localstack`"
        ),
        Setting("HARNESS_PORT", "--port", "4566 if free", "the embedded emulator's port (else any free one)"),
        Setting("HARNESS_STACK", "--stack", _field("stack_name"), "the name every resource name derives from"),
        Setting("", "--adopt", "off", "`up` tags and takes over resources with the stack's names"),
        Setting("HARNESS_STAGE", "--stage", _field("stage"), "the API's stage"),
        Setting(
            "HARNESS_AUTHORIZATION",
            "--authorization",
            _field("authorization"),
            "`api-key`; `iam`: requests must also be SigV4-signed (AWS_IAM), as aws-cn needs without an ICP recordal",
        ),
        Setting(
            "AWS_REGION", "--region", f"the profile's; `{DEFAULT_REGION}` on emulators", "also `AWS_DEFAULT_REGION`"
        ),
        Setting(
            "HARNESS_STATE_DIR", "", _field("state_dir"), "outputs, emulator record and logs; one folder per stack"
        ),
        Setting("HARNESS_HANDLER_DIR", "--source (watch)", "`handler/`", "the folder the function is built from"),
        Setting("HARNESS_ENDPOINT_KIND", "", _field("endpoint_kind"), "which emulator answers at `AWS_ENDPOINT_URL`"),
        Setting("HARNESS_PUBLIC_ENDPOINT", "", "the endpoint", "the endpoint as the host sees it (Compose)"),
    ),
    *_group(
        "The API's limits and the function",
        Setting("HARNESS_STAGE_RATE_LIMIT", "", _field("stage_rate_limit"), "the stage's throttle, requests a second"),
        Setting("HARNESS_STAGE_BURST_LIMIT", "", _field("stage_burst_limit"), "the stage's burst"),
        Setting(
            "HARNESS_PLAN_RATE_LIMIT", "", _field("plan_rate_limit"), "the usage plan's throttle, requests a second"
        ),
        Setting("HARNESS_PLAN_BURST_LIMIT", "", _field("plan_burst_limit"), "the usage plan's burst"),
        Setting(
            "HARNESS_PLAN_QUOTA_PER_DAY", "", _field("plan_quota_per_day"), "the usage plan's quota, requests a day"
        ),
        Setting("HARNESS_MEMORY_MB", "", _field("memory_mb"), "the function's memory, MB"),
        Setting("HARNESS_TIMEOUT_S", "", _field("timeout_s"), "the function's timeout, seconds"),
        Setting("HARNESS_LOG_LEVEL", "", _field("log_level"), "the function's log level"),
        Setting(
            "HARNESS_PERMISSIONS_BOUNDARY",
            "",
            _field("permissions_boundary"),
            "the ARN of a managed policy set as the role's permissions boundary (the scoped deployer policy needs it)",
        ),
    ),
    *_group(
        "Local stacks (embedded emulator or endpoint)",
        Setting("HARNESS_PREWARM", "--prewarm", _field("prewarm"), "execution environments `up` starts warm; 0: none"),
        Setting("HARNESS_FAULTS", "--faults", _field("faults"), "DynamoDB calls go through the fault proxy"),
        Setting(
            "HARNESS_CONSISTENCY_WINDOW_MS",
            "--consistency-window-ms",
            _field("consistency_window_ms"),
            "ms a read without `ConsistentRead` may miss a write",
        ),
        Setting("HARNESS_FAULT_PROXY_URL", "", _field("fault_proxy_url"), "a shared fault proxy (Compose sets it)"),
        Setting("", "--debug", "off", "the function waits for a debugger (embedded only)"),
        Setting("HARNESS_DEBUG_PORT", "--debug-port", "5678", "the debugger's port on 127.0.0.1; implies `--debug`"),
        Setting("HARNESS_ENFORCE_IAM", "", _field("enforce_iam"), "the emulator checks IAM policies, as AWS does"),
    ),
    *_group(
        "Emulator tuning",
        Setting("HARNESS_ENFORCE_USAGE_PLANS", "", "`1`", "LocalStack applies usage plans (our extension)"),
        Setting(
            "HARNESS_MINISTACK_LOG_SETTLE_MS",
            "",
            "0.5",
            "ms MiniStack waits for the function's stderr to go quiet (its own: 5)",
        ),
        Setting(
            "HARNESS_MINISTACK_LOG_FIRST_LINE_MS",
            "",
            "5",
            "ms MiniStack waits for the function's first log line (its own: 50)",
        ),
        Setting(
            "HARNESS_MINISTACK_PENDING_MS",
            "",
            "50",
            "ms MiniStack holds a new or updated function `Pending` (its own: 500)",
        ),
        Setting(
            "HARNESS_FORK_SERVER",
            "",
            "`1`",
            "MiniStack forks execution environments from a warm server; `0`: fresh processes",
        ),
        Setting("HARNESS_MINISTACK_SERVER", "", "`uvicorn`", "MiniStack's HTTP server; `hypercorn`: its own"),
        Setting("HARNESS_LOCALSTACK_PYTHON", "", "found", "a Python 3.12+ for LocalStack's virtualenv"),
    ),
)

"""Every setting the bootstrap reads, taken from the environment (and the CLI) once, into one frozen object."""

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from bootstrap.region import DEFAULT_REGION, region_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STACK = "lambda-apigateway"
# The documents' own names, used when the stack keeps its default name.
_DOCUMENT_NAMES = {"function": "LambdaFunctionOverHttps", "role": "lambda-apigateway-role", "api": "DynamoDBOperations"}
EMBEDDED, ENDPOINT, AWS = "embedded", "endpoint", "aws"
# The embedded emulators the local runtime can start (local_runtime/<name>/launcher.py).
EMULATORS = ("ministack", "localstack")
ROLE_NAME_LIMIT, POLICY_NAME_LIMIT = 64, 128  # IAM's
# Throttling, quota and function sizing, each overridable from the environment.
_LIMIT_VARIABLES = (
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


def _parse(variable: str, text: str, kind: type) -> int | float:
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
    # > 0: reads lag writes by this long unless ConsistentRead (local stacks only;
    # see local_runtime/faults/proxy_server.py)
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
        limits = {name: _parse(var, env[var], kind) for name, var, kind in _LIMIT_VARIABLES if env.get(var)}
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
            emulator=env.get("HARNESS_EMULATOR", cls.emulator),
            port=int(_parse("HARNESS_PORT", port, int)) if port else None,
            log_level=env.get("HARNESS_LOG_LEVEL") or cls.log_level,
            enforce_iam=env.get("HARNESS_ENFORCE_IAM", "1") not in ("0", "false", "no"),
            endpoint_variables=tuple(variables),
            **({"state_dir": Path(state_dir).resolve()} if state_dir else {}),
            **({"handler_dir": Path(handler_dir).resolve()} if handler_dir else {}),
            **limits,
        )

    def with_overrides(self, **overrides: object) -> "Settings":
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

"""The stack's life on its target, in order: the emulator, then the fault proxy, then the resources.

``up`` starts (or reuses) what runs on this machine (``local_runtime``), then hands the target to the bootstrap,
which creates the resources; ``down`` does the reverse. A ``down`` of one stack touches nothing of another: it stops
that stack's own fault proxy, forgets the state folder's outputs only when they are that stack's, and stops the
embedded emulator only when no other stack lives on it.
"""

import io
import os
from typing import Any

from bootstrap import ready, stack, sweep
from bootstrap.ownership import Found
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, EMBEDDED, ENDPOINT, IAM, Settings
from bootstrap.target import Target, TargetError, connect
from local_runtime import emulators, prewarm
from local_runtime.faults import launcher as fault_proxy
from local_runtime.processes import answers_health, poll_until

# How long ``down`` waits for an emulator whose process is alive but does not answer its health check.
SLOW_EMULATOR_S = 15.0
# API Gateway in the China regions serves an API whose methods need no IAM authorization only for an account with
# an ICP recordal; an API key is not authentication. Without one every request gets 403 (docs/targets.md).
AWS_CN_NOTE = (
    "note: aws-cn: API Gateway answers 403 to every request of an API without IAM authorization unless the account "
    "has an ICP recordal (AWS China's rule); the readiness wait will time out without one. --authorization iam "
    "makes the method AWS_IAM: requests are then SigV4-signed"
)


def endpoint_reachable(url: str) -> bool:
    """LocalStack and MiniStack both answer LocalStack's health path."""
    return answers_health(url.rstrip("/") + "/_localstack/health", timeout=3)


def resolve(settings: Settings, progress: Progress, start_emulator: bool = True) -> Target:
    """Reach the target, starting the embedded emulator when that is the target and ``start_emulator``."""
    if settings.target == AWS:
        return connect(settings)
    if settings.target != EMBEDDED:
        endpoint = settings.endpoint_url or ""
        if not endpoint_reachable(endpoint):
            raise TargetError(f"no emulator answering at {endpoint} (is 'docker compose up' running?)")
        return connect(settings, endpoint)
    record = emulators.running(settings)
    if record is None and start_emulator:
        record = progress.step("emulator", settings.emulator, lambda: _start_emulator(settings))
    elif record is not None:
        if start_emulator:  # up: the running emulator must be the one asked for (emulator, debugger)
            emulators.check_reusable(record, settings)
        progress.record("emulator", f"{record.name} {record.endpoint_url}", Outcome.REUSED)
    if record is None:
        raise TargetError(f"no {settings.emulator} running for this project; run './harness up'")
    return connect(settings, record.endpoint_url, record.name)


def _start_emulator(settings: Settings) -> tuple[emulators.EmulatorRecord, Outcome]:
    record, started = emulators.start(settings)
    return record, Outcome.STARTED if started else Outcome.REUSED


def _fault_proxy(settings: Settings, target: Target, progress: Progress) -> str | None:
    """The fault proxy between the function and DynamoDB, when asked for (local stacks only); its URL."""
    if settings.target == AWS:  # never a proxy: and a local stack of the same name keeps its own
        return None
    if not fault_proxy.wanted(settings):
        if fault_proxy.stop_proxy(settings, legacy=owns_outputs(settings)):
            progress.record("fault-proxy", "proxy", Outcome.STOPPED)
        return None
    upstream = target.endpoint_url or ""
    description = fault_proxy.description(settings)
    return progress.step("fault-proxy", description, lambda: fault_proxy.ensure_proxy(settings, upstream))


def up(settings: Settings, progress: Progress | None = None, adopt: bool = False) -> dict[str, Any]:
    """Emulator, fault proxy, resources; saves and returns the outputs. On AWS, ends by waiting (bounded) until
    one real request through the API succeeds."""
    progress = progress or Progress()
    target = resolve(settings, progress)
    if target.partition == "aws-cn" and settings.authorization != IAM:
        progress.say(AWS_CN_NOTE)
    proxy_url = _fault_proxy(settings, target, progress)
    outputs = stack.up(target, progress, adopt=adopt, dynamodb_endpoint=proxy_url)
    outputs["fault_proxy_url"] = fault_proxy.control_url(settings)
    outputs["faults"] = fault_proxy.wanted(settings)  # faults can be set: the function calls DynamoDB through it
    stack.save_outputs(settings, outputs)
    if settings.target == AWS and os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::add-mask::{outputs['api_key']}", flush=True)  # before anything can print it, even a failed wait
    if settings.target == AWS:  # IAM and API Gateway propagate for a while; emulators are ready at once
        sign = ready.target_signer(on_aws=True, region=settings.region) if settings.authorization == IAM else None
        seconds = ready.wait_until_serving(outputs["api_url"], outputs["api_key"], sign=sign)
        progress.say("  {:<14} {:<40} {:<10} {:6.2f}s", "ready", ready.PROBE_TEXT, "answered", seconds)
    return outputs


def warm(settings: Settings, outputs: dict[str, Any], progress: Progress) -> prewarm.Warmed:
    """Start ``settings.prewarm`` execution environments now, so the first burst finds them warm."""
    clients = resolve(settings, Progress(io.StringIO()), start_emulator=False).clients()
    warmed = prewarm.warm(clients, outputs["function_name"], settings.prewarm)
    what = f"{warmed.count} execution environments"
    progress.say("  {:<14} {:<40} {:<10} {:6.2f}s", "prewarm", what, "warm", warmed.seconds)
    return warmed


def owns_outputs(settings: Settings) -> bool:
    """Whether this state folder's outputs are this stack's, on this target, or there are none."""
    saved = stack.saved_outputs(settings)
    if saved is None:
        return True
    return (saved.get("stack_name"), saved.get("target", settings.target)) == (settings.stack_name, settings.target)


def down(
    settings: Settings, progress: Progress | None = None, keep_emulator: bool = False, force_emulator: bool = False
) -> list[Found]:
    """Delete the stack's resources, then take out of this machine what was this stack's: its fault proxy, the
    outputs if they are its, and the embedded emulator unless ``keep_emulator`` or another stack lives on it
    (``force_emulator``: stop it all the same, and every proxy with it). Returns what has this stack's names but not
    its tags: left alone."""
    progress = progress or Progress()
    ours, local = owns_outputs(settings), settings.target != AWS
    if settings.target == EMBEDDED and not _answering(settings, force_emulator):
        return _down_without_emulator(settings, progress, ours)
    try:
        target = resolve(settings, progress, start_emulator=False)
    except TargetError:
        if local:  # the endpoint is gone: what this machine runs for the stack goes all the same
            fault_proxy.stop_proxy(settings, legacy=ours)
        raise
    try:
        left_alone = stack.down(target, progress)
    finally:  # also when a deletion failed: no process of this stack is left behind
        if local and fault_proxy.stop_proxy(settings, legacy=ours):
            progress.record("fault-proxy", "proxy", Outcome.STOPPED)
        if settings.target == EMBEDDED and force_emulator:
            _stop_emulator_unless_shared(target, progress, force=True)
    if ours:
        settings.outputs_path.unlink(missing_ok=True)
    if settings.target == EMBEDDED and not keep_emulator and not force_emulator:
        _stop_emulator_unless_shared(target, progress, force=False)
    return left_alone


def _answering(settings: Settings, force: bool) -> bool:
    """Whether this folder's emulator answers. One that is alive but slow to answer (a busy machine) gets more
    time; if it still does not answer, ``down`` refuses rather than stop it with whatever stacks it holds, unless
    ``force`` (``--stop-emulator``)."""
    if emulators.running(settings) is not None:
        return True
    record = emulators.alive(settings)
    if record is None or force:
        return False
    if poll_until(lambda: emulators.running(settings, timeout=3.0) is not None, SLOW_EMULATOR_S):
        return True
    raise TargetError(
        f"{record.name} (pid {record.pid}) is running but has not answered for {SLOW_EMULATOR_S:.0f} s; "
        "'down --stop-emulator' stops it, with every stack on it"
    )


def _down_without_emulator(settings: Settings, progress: Progress, ours: bool) -> list[Found]:
    """No emulator answers (it died, or ``--stop-emulator`` on one that hangs): its state is gone with it, so what
    is left is this machine's: its processes, record and scratch files, every stack's proxy pointing at it."""
    fault_proxy.stop_proxy(settings, legacy=ours)
    if ours:
        settings.outputs_path.unlink(missing_ok=True)
    stopped = _stop_emulator(settings)
    outcome = Outcome.STOPPED if stopped else Outcome.ABSENT
    progress.record("emulator", stopped.name if stopped else settings.emulator, outcome)
    return []


def _stop_emulator_unless_shared(target: Target, progress: Progress, force: bool) -> None:
    settings = target.settings
    name = target.emulator or settings.emulator
    others = (
        [] if force else sorted(sweep.find_stacks(target.clients(), say=lambda _line: None) - {settings.stack_name})
    )
    if others:
        listed = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        progress.record("emulator", f"{name}: {len(others)} other stack(s) on it ({listed})", Outcome.KEPT)
        return
    progress.step("emulator", name, lambda: (_stop_emulator(settings), Outcome.STOPPED))


def _stop_emulator(settings: Settings) -> emulators.EmulatorRecord | None:
    """Stop the folder's emulator and, if there was one, every proxy pointing at it (the stacks that went with it
    had theirs: ``--stop-emulator``, or an emulator that died). Returns what was stopped."""
    stopped = emulators.stop(settings)
    if stopped:
        fault_proxy.stop_every_proxy(settings.state_dir)
    return stopped


def status(settings: Settings) -> dict[str, Any] | None:
    """The saved outputs if they are of the stack these settings name and its target still answers, else None."""
    if settings.target == EMBEDDED and emulators.running(settings) is None:
        return None
    if settings.target == ENDPOINT and not endpoint_reachable(settings.endpoint_url or ""):
        return None  # e.g. outputs left on the host by a Compose stack that is down now
    outputs = stack.saved_outputs(settings)
    if outputs is None or outputs.get("target", settings.target) != settings.target:
        return None  # e.g. an embedded stack's outputs, asked about with --target aws
    if outputs.get("stack_name", settings.stack_name) != settings.stack_name:
        return None  # another stack's, brought up here last (common.stack_that_is_up names it)
    if settings.target == AWS and outputs.get("region") != settings.region:
        return None  # a real account's stack in another region: not the one asked about
    wanted = {_loopback(url) for url in (settings.endpoint_url, settings.public_endpoint_url) if url}
    if settings.target == ENDPOINT and _loopback(outputs.get("endpoint_url") or "") not in wanted:
        return None  # outputs of a stack on another endpoint (another port, another emulator)
    return outputs


def _loopback(url: str) -> str:
    """An endpoint URL with localhost spelled 127.0.0.1 and no trailing slash, for comparing."""
    return url.rstrip("/").replace("://localhost", "://127.0.0.1")

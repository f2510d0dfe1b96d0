"""The function's logs, read through CloudWatch Logs (``FilterLogEvents`` on ``/aws/lambda/<function>``).

The same calls work on AWS, MiniStack and LocalStack (both keep the function's output there, with AWS's
START / END / REPORT lines around each invocation). Records are one readable line each: the handler's
Powertools JSON records show time, level, request id, message, status and duration; START and END are
folded away and REPORT gives the invocation's duration.
"""

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

_SINCE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PLATFORM = re.compile(r"^(START|END|REPORT) RequestId: (\S+)(.*)$", re.DOTALL)
_DURATION = re.compile(r"\bDuration: ([\d.]+) ms")
_MAX_MEMORY = re.compile(r"Max Memory Used: (\d+) MB")
# Fields every Powertools record has, or that the line shows in its own columns.
_SHOWN = {"level", "message", "timestamp", "function_request_id", "status", "duration_ms"}
_CONTEXT = {"location", "service", "cold_start", "function_name", "function_memory_size", "function_arn"}
_CONTEXT |= {"xray_trace_id", "sampling_rate"}


def since_ms(text: str, now_ms: int | None = None) -> int:
    """``5m`` / ``30s`` / ``2h`` / ``1d`` ago, as CloudWatch's ``startTime`` (ms since the epoch)."""
    match = _SINCE.match(text.strip())
    if match is None:
        raise ValueError(f"--since {text!r}: use a number and s, m, h or d (5m, 30s, 2h)")
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    return now_ms - int(float(match.group(1)) * _SECONDS[match.group(2)] * 1000)


def request_filter(request_id: str) -> str:
    """A filter pattern matching the events that carry this request id (a quoted term: ids contain dashes)."""
    if not re.fullmatch(r"[A-Za-z0-9-]+", request_id):
        raise ValueError(f"--request-id {request_id!r}: a request id is letters, digits and dashes")
    return f'"{request_id}"'


def events(logs: Any, group: str, start_ms: int, request_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Every event of the group from ``start_ms`` on (only those carrying ``request_id``, if given), all pages.

    The request id goes to CloudWatch as a filter pattern, and is checked here too: LocalStack ignores a
    quoted-term pattern and returns every event.
    """
    arguments: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
    if request_id:
        arguments["filterPattern"] = request_filter(request_id)
    for page in logs.get_paginator("filter_log_events").paginate(**arguments):
        for event in page.get("events", []):
            if not request_id or request_id in event.get("message", ""):
                yield event


def event_key(event: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies an event across polls: AWS's eventId, or (stream, time, text) where there is none."""
    if event.get("eventId"):
        return (event["eventId"],)
    return (event.get("logStreamName"), event.get("timestamp"), event.get("message"))


def _clock(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000).strftime("%H:%M:%S.%f")[:-3]


def _record(message: str) -> dict[str, Any] | None:
    text = message.strip()
    if not text.startswith("{"):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _columns(clock: str, level: str, request_id: str, text: str) -> str:
    return f"{clock}  {level:<7} {request_id:<36}  {text}".rstrip()


def format_record(record: dict[str, Any], timestamp_ms: int) -> str:
    """A Powertools record: time, level, request id, message, then status, duration and other keys it carries."""
    parts = [str(record.get("message", ""))]
    if "status" in record:
        parts.append(f"status={record['status']}")
    if "duration_ms" in record:
        parts.append(f"{record['duration_ms']} ms")
    extra = {key: value for key, value in record.items() if key not in _SHOWN | _CONTEXT}
    parts += [f"{key}={json.dumps(value) if not isinstance(value, str) else value}" for key, value in extra.items()]
    level = str(record.get("level", "-"))
    return _columns(_clock(timestamp_ms), level, str(record.get("function_request_id", "-")), "  ".join(parts))


def format_event(event: dict[str, Any]) -> str | None:
    """One readable line for a log event, or None for one that is folded away (START, END)."""
    message, timestamp = event.get("message", "").rstrip("\n"), int(event.get("timestamp", 0))
    record = _record(message)
    if record is not None:
        return format_record(record, timestamp)
    platform = _PLATFORM.match(message)
    if platform is None:
        return _columns(_clock(timestamp), "-", "-", message)
    kind, request_id, rest = platform.groups()
    if kind != "REPORT":
        return None
    duration, memory = _DURATION.search(rest), _MAX_MEMORY.search(rest)
    text = f"invocation took {duration.group(1)} ms" if duration else "invocation ended"
    if memory and memory.group(1) != "0":  # MiniStack reports 0 where it does not measure
        text += f", max memory {memory.group(1)} MB"
    return _columns(_clock(timestamp), "REPORT", request_id, text)


def raw_event(event: dict[str, Any]) -> str:
    """``--json``: the record as the function wrote it; a line that is not JSON, wrapped as one."""
    message = event.get("message", "").rstrip("\n")
    if _record(message) is not None:
        return message.strip()
    return json.dumps({"timestamp": event.get("timestamp"), "message": message})

"""MiniStack's warm request path without the per-request costs AWS's front end does not have.

Each patch keeps what a client sees (status codes, bodies, headers, logs, IAM decisions, timeouts) as it was;
``tests/unit/local_runtime/ministack/test_fast_path.py`` fails if an upgrade changes a patched name's shape.

- **No new OS thread per invocation** (``reused_threads.py``). ``concurrency.run_reentrant`` starts a thread for
  every Lambda invocation and ``Worker.invoke`` (``ministack/core/lambda_runtime.py``) another to read the answer
  within the function's timeout: ~150 µs of CPU each, on every request. Both modules now see a ``threading``
  whose daemon threads run on kept idle threads (a new one when none is idle: never a queue, never a bound, so
  the re-entrancy argument of ``run_reentrant`` holds); each target gets a fresh context and its own thread name,
  and ``join(timeout)``/``is_alive`` keep their meaning, so the timeout path of ``Worker.invoke`` is unchanged.
- **A policy document is parsed once, not on every request.** With ``AUTH=true`` every request the function makes
  resolves its role's policies twice (the caller's ARN, then the decision), and ``iam_evaluator`` runs
  ``json.loads`` and builds ``ParsedStatement`` objects from each stored document every time. Parsing is a pure
  function of the document's text (MiniStack stores documents as the text sent), so the parse is cached by that
  text: an edited policy is a different text, parsed afresh; the decision is re-evaluated on every request as
  before. Callers get their own list (the statements are only read, never changed, by MiniStack).
- **The caller's ARN is resolved when something reads it.** ``iam_evaluator.pin_request_caller`` runs for every
  signed request and resolves its access key to a principal (credential, role, every policy, tags) only to pin
  the principal's ARN, which ``caller_arn()`` alone reads, for SNS, SQS and AgentCore resource policies: a
  DynamoDB call paid for it and never read it. Here the pin keeps the request as it was pinned (its headers,
  query and a copy of its context: account, region, signature state) and ``caller_arn()`` resolves it on first
  read, in that copied context, by MiniStack's own ``request_caller_arn``: the same ARN, or the same fallback.
"""

import contextvars
import functools

from ministack.core import iam_evaluator

PARSED_DOCUMENTS_KEPT = 1024
_original_parse_policy_document = iam_evaluator.parse_policy_document


@functools.lru_cache(maxsize=PARSED_DOCUMENTS_KEPT)
def _parsed_text(document: str) -> tuple:
    return tuple(_original_parse_policy_document(document))


def parse_policy_document_once(document: str | dict) -> list:
    """MiniStack's parse, cached for a document given as text (how IAM stores them); a dict is parsed each time."""
    if isinstance(document, str):
        return list(_parsed_text(document))
    return _original_parse_policy_document(document)


_pinned_request: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("harness_pinned_request", default=None)
_original_pin_request_caller = iam_evaluator.pin_request_caller
_original_caller_arn = iam_evaluator.caller_arn


def pin_request_caller_when_read(headers: dict, query_params: dict | None = None) -> None:
    """MiniStack's pin, the principal's resolution left to ``caller_arn_resolved_when_read``."""
    from ministack.app import AUTH  # read per call, as the original does

    if not AUTH:
        return
    iam_evaluator._request_caller_arn.set("")  # caller_arn() falls back on "" as on an unpinned request
    _pinned_request.set((contextvars.copy_context(), dict(headers or {}), dict(query_params or {})))


def caller_arn_resolved_when_read() -> str:
    pinned = _pinned_request.get()
    if pinned is not None and not iam_evaluator._request_caller_arn.get():
        context, headers, query_params = pinned
        arn = context.copy().run(iam_evaluator.request_caller_arn, headers, query_params)  # a copy: any thread
        iam_evaluator._request_caller_arn.set(arn)
    return _original_caller_arn()

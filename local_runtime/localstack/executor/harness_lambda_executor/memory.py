"""Cyclic garbage collection off LocalStack's start-up objects: about a tenth of its CPU per request was the
collector walking them (``perf``: ``gc_collect_main``), objects that live as long as the process.

Once the runtime is ready (its services loaded eagerly: ``EAGER_SERVICE_LOADING``), they are moved to the
permanent generation (``gc.freeze``, the gc module's own advice for long-lived start-up state), so a full
collection walks only what requests create."""

import gc

from localstack.runtime import hooks


@hooks.on_infra_ready()
def freeze_start_up_objects() -> None:
    gc.collect()
    gc.freeze()

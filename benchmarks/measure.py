"""What ``./harness bench`` measures on a stack that is up: latency one request at a time through the API next to a
direct DynamoDB call, bursts of creates (throughput, errors, lost writes, CPU per request), one cold start."""

import argparse
import json
import statistics
import time
import uuid

from benchmarks import cpu_meter, keepalive
from benchmarks.figures import Burst, Measured
from benchmarks.load import Api, BurstResult, lost_writes
from bootstrap.clients import Clients
from bootstrap.settings import Settings


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(samples_s: list[float]) -> str:
    ms = [sample * 1000 for sample in samples_s]
    return (
        f"p50 {statistics.median(ms):6.2f} ms  p95 {percentile(ms, 0.95):6.2f} ms  "
        f"p99 {percentile(ms, 0.99):6.2f} ms  (n={len(ms)})"
    )


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def measure_latency(api_url: str, key: str, dynamodb, table: str, count: int) -> dict[str, list[float]]:
    """One request at a time. Through the API with the bursts' kept-alive ``http.client`` client (``requests``
    added ~1.5-2 ms of its own to every request, which is the client's, not the API's); GetItem with boto3, as a
    program calling DynamoDB directly does."""
    client = keepalive.KeepAliveClient(api_url, key)

    def post(body: dict) -> None:
        status, text = client.post(body)
        assert status == 200, text

    try:
        post({"operation": "create", "payload": {"Item": {"id": "bench-read", "name": "Bob"}}})
        for _ in range(20):  # warm the function and the connection
            post({"operation": "ping"})
        read = {"operation": "read", "payload": {"Key": {"id": "bench-read"}}}
        return {
            "ping through the API": [timed(lambda: post({"operation": "ping"})) for _ in range(count)],
            "read through the API": [timed(lambda: post(read)) for _ in range(count)],
            "direct GetItem (boto3)": [
                timed(lambda: dynamodb.get_item(TableName=table, Key={"id": {"S": "bench-read"}})) for _ in range(count)
            ],
        }
    finally:
        client.close()


def burst_creates(api: Api, count: int, clients: int, prefix: str, emulator_pid: int | None) -> tuple[BurstResult, str]:
    """``tests.support.burst_creates`` with the cheap client of ``keepalive.py`` for the timed part: ``count``
    creates from ``clients`` threads; then (untimed) every 2xx must read back. Also the timed part's CPU per
    request (``cpu_meter.py``) when the emulator runs here."""
    ids = [f"{prefix}-{index}" for index in range(count)]
    bodies = [{"operation": "create", "payload": {"Item": {"id": item_id, "n": n}}} for n, item_id in enumerate(ids)]
    group_before = cpu_meter.group_cpu(emulator_pid) if emulator_pid else None
    client_before = cpu_meter.own_cpu_s()
    done = keepalive.burst(api.url, api.key, bodies, clients)
    client_s = cpu_meter.own_cpu_s() - client_before
    cpu = ""
    if group_before is not None:
        cpu = cpu_meter.describe(group_before, cpu_meter.group_cpu(emulator_pid), client_s, count)
    written = [item_id for item_id, status in zip(ids, done.statuses, strict=True) if 200 <= status < 300]
    return BurstResult(done.statuses, done.latencies_s, done.seconds, lost_writes(api, written)), cpu


def measure_load(api: Api, requests_total: int, clients: int, label: str, emulator_pid: int | None) -> Burst:
    """A burst of creates; every 2xx create must read back. Prints throughput, latency, errors, losses, and the
    CPU each request cost when the emulator runs here."""
    prefix = f"load-{label}-{uuid.uuid4().hex[:8]}"
    result, cpu = burst_creates(api, requests_total, clients, prefix, emulator_pid)
    other = sorted({status for status in result.statuses if not 200 <= status < 300 and status < 500})
    print(
        f"{label}: {requests_total} creates from {clients} clients in {result.seconds:.2f} s = "
        f"{result.per_second:.0f} req/s; 5xx: {result.server_errors}; other non-2xx: {other}; "
        f"lost writes: {len(result.lost)}"
    )
    print(f"{label + ' latency':<24} {summary(result.latencies_s)}")
    if cpu:
        print(f"{label + ' CPU':<24} {cpu}")
    return Burst(result.per_second, result.server_errors, len(result.lost))


def measure(settings: Settings, outputs: dict, args: argparse.Namespace, emulator_pid: int | None = None) -> Measured:
    """Latency through the API next to a direct GetItem, then a cold and a warm burst, then one cold start; each
    printed as it comes, and all returned."""
    dynamodb = Clients(settings, endpoint_url=outputs["endpoint_url"])("dynamodb")
    series = measure_latency(outputs["api_url"], outputs["api_key"], dynamodb, outputs["table_name"], args.requests)
    for name, samples in series.items():
        print(f"{name:<24} {summary(samples)}")
    ping, read, direct = (
        statistics.median(series[name]) * 1000
        for name in ("ping through the API", "read through the API", "direct GetItem (boto3)")
    )
    print(f"read through the API / direct GetItem (medians): {read / direct:.1f}x")
    api = Api(outputs["api_url"], outputs["api_key"])
    # First burst: without prewarming, the emulator starts one execution environment per concurrent request
    # (cold starts); `up` prewarms HARNESS_PREWARM of them (default 16), so the first burst finds them warm.
    first = measure_load(api, args.requests, args.clients, "first burst after up", emulator_pid)
    # Second burst: every environment is warm, as in a long test session.
    warm = measure_load(api, args.requests, args.clients, "warm burst", emulator_pid)
    cold_s, warm_s = cold_start(settings, outputs)
    print(
        f"cold start of one execution environment (first invoke after a recycle): {cold_s:.2f} s (a warm invoke: "
        f"{warm_s * 1000:.1f} ms)"
    )
    return Measured(ping, read, direct, first, warm, cold_s)


def cold_start(settings: Settings, outputs: dict) -> tuple[float, float]:
    """One invoke on a fresh execution environment (an Environment change recycles them all), and a warm one next:
    their wall times, in seconds."""
    lambda_client = Clients(settings, endpoint_url=outputs["endpoint_url"])("lambda")
    name, ping = outputs["function_name"], json.dumps({"operation": "ping"}).encode()
    variables = lambda_client.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lambda_client.update_function_configuration(
        FunctionName=name, Environment={"Variables": {**variables, "HARNESS_BENCH_RECYCLE": uuid.uuid4().hex}}
    )
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name)
    cold = timed(lambda: lambda_client.invoke(FunctionName=name, Payload=ping))
    warm = timed(lambda: lambda_client.invoke(FunctionName=name, Payload=ping))
    return cold, warm

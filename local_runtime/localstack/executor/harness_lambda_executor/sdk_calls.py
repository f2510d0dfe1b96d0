"""The function's AWS calls to LocalStack, served in LocalStack's process as its gateway serves an HTTP request.

The worker sends each call its SDK makes to LocalStack's gateway over the executor's channel (``worker.py``,
``_send_sdk_calls_over``): method, URL, headers and body, signed and serialised by the SDK as always. Here it
becomes the request LocalStack's HTTP server would have made of it and goes through the same gateway: the whole
handler chain (parsing, our IAM enforcement, the service, DynamoDB Local behind it). What is skipped is the TCP
connection and the HTTP server (Twisted's then, with its thread hand-offs: about half of LocalStack's CPU for such
a call). The answer goes back as status, headers and body.
"""

import base64
from urllib.parse import urlsplit

from localstack import config
from localstack.http import Request, Response
from localstack.runtime import get_current_runtime
from werkzeug.datastructures import Headers


def gateway_url() -> str:
    """The URL LocalStack gives the function as AWS_ENDPOINT_URL (``ExecutionEnvironment``): its own gateway."""
    return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}"


def serve(call: dict) -> dict:
    url = urlsplit(call["url"])
    body = base64.b64decode(call["body"])
    headers = Headers(call["headers"])
    headers.setdefault("Host", url.netloc)  # the HTTP client would have sent it
    headers["Content-Length"] = str(len(body))
    request = Request(
        method=call["method"],
        path=url.path,
        query_string=url.query,
        headers=headers,
        body=body,
        scheme=url.scheme,
        server=(url.hostname, url.port),
        remote_addr="127.0.0.1",
    )
    response = Response()
    get_current_runtime().components.gateway.process(request, response)
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "body": base64.b64encode(response.get_data()).decode(),
    }

"""LocalStack's in-memory calls (``IN_MEMORY_CLIENT=1``) carry a ``Host`` header, as the same call over HTTP does.

``localstack.aws.client.create_http_request`` turns an internal client's request into the gateway's without the
``Host`` header an HTTP client sends (botocore leaves it to urllib3). A service that forwards the request as it came
then fails: DynamoDB's provider proxies it to DynamoDB Local, and werkzeug's ``EnvironBuilder.from_environ`` raises
``BadRequestKeyError('Host')``, so every CreateTable (it lists the tables first, in memory) answered 500 in our image.
"""

from typing import Any
from urllib.parse import urlsplit

from localstack.aws import client as aws_client
from localstack.runtime import hooks


@hooks.on_infra_start()
def send_the_host_header() -> None:
    without_host = aws_client.create_http_request

    def create_http_request(aws_request: Any) -> Any:
        if "Host" not in aws_request.headers:
            aws_request.headers["Host"] = urlsplit(aws_request.url).netloc
        return without_host(aws_request)

    aws_client.create_http_request = create_http_request

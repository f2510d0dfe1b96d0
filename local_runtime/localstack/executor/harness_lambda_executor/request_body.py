"""The request body reaches a Lambda proxy integration as the client sent it, whatever its Content-Type, as on AWS.

API Gateway passes a proxy integration's body through unchanged; only a media type listed in the API's
``binaryMediaTypes`` is base64-encoded (``isBase64Encoded``), and this API lists none. So on AWS curl's ``-d`` with
its default ``Content-Type: application/x-www-form-urlencoded`` reaches the function as the JSON it is.

LocalStack differed twice on the way:

- its HTTP server (Twisted, through rolo) parses a POST whose type is a form into fields nobody reads, and answers a
  ``multipart/form-data`` body that is not multipart with a bare 400 before any handler sees it. Twisted's ``Site``
  takes ``parsePOSTFormSubmission=False`` for exactly this ("don't parse HTTP bodies"); rolo's ``TwistedGateway``
  does not pass it, so the gateway the runtime serves is one that does (``serve_bodies_unparsed``);
- API Gateway's request parser built the event's body with rolo's ``restore_payload``, which re-encodes a form from
  the fields werkzeug parsed: ``{"operation": "ping"}`` became ``%7B%22operation%22%3A+%22ping%22%7D=``, and the
  function answered 400 InvalidJson. Here it reads the bytes as sent, without parsing a form (``install``).
"""

from typing import Any

from localstack.runtime.server import twisted as runtime_server
from rolo.serving.twisted import TwistedGateway


def body_as_sent(request: Any) -> bytes:
    """The request's body, byte for byte (werkzeug keeps it once read; a form is never parsed from it)."""
    if request.shallow:
        return b""
    return request.get_data(cache=True, parse_form_data=False)


def install() -> None:
    """API Gateway's invocation request takes the body as sent (its module is loaded lazily: called once it is)."""
    from localstack.services.apigateway.next_gen.execute_api.handlers import parse

    parse.restore_payload = body_as_sent


class GatewayServingBodiesUnparsed(TwistedGateway):
    """rolo's Twisted site, with Twisted's own form parsing off (the site's setting its requests read), and without
    Twisted's access log: a line per request to Twisted's legacy log, which LocalStack shows nowhere (its own
    request log is the handler chain's), at 0.6 ms of LocalStack's CPU per create through the API (``py-spy``)."""

    def __init__(self, gateway: Any) -> None:
        super().__init__(gateway)
        self._parsePOSTFormSubmission = False

    def log(self, request: Any) -> None:
        pass


def serve_bodies_unparsed() -> None:
    """The runtime builds its site from this name when it starts serving, after the ``on_infra_start`` hooks."""
    runtime_server.TwistedGateway = GatewayServingBodiesUnparsed

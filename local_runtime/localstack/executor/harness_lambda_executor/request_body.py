"""The request body reaches a Lambda proxy integration as the client sent it, whatever its Content-Type, as on AWS.

API Gateway passes a proxy integration's body through unchanged; only a media type listed in the API's
``binaryMediaTypes`` is base64-encoded (``isBase64Encoded``), and this API lists none. So on AWS curl's ``-d`` with
its default ``Content-Type: application/x-www-form-urlencoded`` reaches the function as the JSON it is.

LocalStack differed on the way: API Gateway's request parser built the event's body with rolo's ``restore_payload``,
which re-encodes a form from the fields werkzeug parsed: ``{"operation": "ping"}`` became
``%7B%22operation%22%3A+%22ping%22%7D=``, and the function answered 400 InvalidJson. Here it reads the bytes as
sent, without parsing a form (``install``). (Its Twisted server also parsed a form body, and answered a
``multipart/form-data`` body that is not multipart with a bare 400; our server, ``threaded_server.py``, parses none.)
"""

from typing import Any


def body_as_sent(request: Any) -> bytes:
    """The request's body, byte for byte (werkzeug keeps it once read; a form is never parsed from it)."""
    if request.shallow:
        return b""
    return request.get_data(cache=True, parse_form_data=False)


def install() -> None:
    """API Gateway's invocation request takes the body as sent (its module is loaded lazily: called once it is)."""
    from localstack.services.apigateway.next_gen.execute_api.handlers import parse

    parse.restore_payload = body_as_sent

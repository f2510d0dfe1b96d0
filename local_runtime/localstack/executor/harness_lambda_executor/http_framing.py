"""HTTP/1.1 message framing shared by our server (``threaded_server.py``, reading requests) and our client to
DynamoDB Local (``dynamodb_forward.py``, reading answers): where a body ends, read from a buffered binary stream.
A body cut short (the peer went away) raises ``ConnectionError``: nothing partial is passed on."""

from typing import BinaryIO

MAX_LINE = 65536


def read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise ConnectionError(f"the message ended after {len(data)} of {size} bytes")
    return data


def read_chunked(stream: BinaryIO) -> bytes:
    """A ``Transfer-Encoding: chunked`` body, its trailers read and dropped."""
    chunks = []
    while True:
        line = stream.readline(MAX_LINE)
        if not line.strip():
            raise ConnectionError("the chunked message ended early")
        if not (size := int(line.split(b";", 1)[0].strip(), 16)):
            break
        chunks.append(read_exactly(stream, size))
        stream.readline()
    while stream.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):  # trailers
        pass
    return b"".join(chunks)


def bodiless(method: str, status: int) -> bool:
    """An answer that has no body whatever its headers say (RFC 9112, 6.3)."""
    return method == "HEAD" or 100 <= status < 200 or status in (204, 304)

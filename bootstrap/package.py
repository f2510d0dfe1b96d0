"""The function's deployment package: ``handler/`` plus the pure-Python libraries it imports.

The zip is deterministic (sorted entries, fixed timestamps and modes), so unchanged code gives an
unchanged CodeSha256 and ``up`` skips the upload. boto3 is not bundled: every Lambda Python runtime
has it. The built zip is cached under ``.stack/`` keyed by the sources' sizes and mtimes; within one
process each file's compressed form is kept too, so ``watch`` rebuilds in milliseconds, not the ~0.4 s
deflating ~400 files takes.
"""

import base64
import hashlib
import importlib.util
import struct
import zlib
from pathlib import Path

from bootstrap.settings import PROJECT_ROOT

HANDLER_DIR = PROJECT_ROOT / "handler"
# Imported by the handler at run time and absent from the Lambda runtime (boto3 and botocore are there).
BUNDLED_PACKAGES = ("aws_lambda_powertools", "simplejson", "jmespath", "typing_extensions")
# The zip format's records (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16): deflated entries, no extras, no comment.
_LOCAL_HEADER = struct.Struct("<4sHHHHHLLLHH")
_CENTRAL_HEADER = struct.Struct("<4sBBHHHHHLLLHHHHHLL")
_END = struct.Struct("<4sHHHHLLH")
_DOS_DATE_1980_01_01, _DOS_TIME_MIDNIGHT = (1 << 5) | 1, 0
_UNIX_RW_R_R = 0o100644 << 16
# path -> ((size, mtime_ns), (crc32, size, deflated bytes))
_deflated: dict[Path, tuple[tuple[int, int], tuple[int, int, bytes]]] = {}


def _package_files(name: str) -> list[tuple[str, Path]]:
    """(archive name, file) for every .py file of an importable package or module."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is not installed; run: pip install -e '.[dev]'")
    origin = Path(spec.origin)
    if origin.name != "__init__.py":
        return [(origin.name, origin)]
    root = origin.parent
    return [(f"{name}/{path.relative_to(root).as_posix()}", path) for path in root.rglob("*.py")]


def source_files(handler_dir: Path | None = None) -> list[tuple[str, Path]]:
    """Every file that goes into the zip, sorted by archive name; the handler from ``handler_dir`` (default
    the project's ``handler/``), always archived as ``handler/`` so the function's entry point stays the same."""
    source = handler_dir or HANDLER_DIR
    files = [(f"handler/{path.relative_to(source).as_posix()}", path) for path in source.rglob("*.py")]
    for package in BUNDLED_PACKAGES:
        files.extend(_package_files(package))
    return sorted(files)


def _deflate(path: Path) -> tuple[int, int, bytes]:
    """(crc32, size, raw deflate stream) of a file, recomputed only when its size or mtime changed."""
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    cached = _deflated.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    data = path.read_bytes()
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    entry = (zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())
    _deflated[path] = (stamp, entry)
    return entry


def _build(files: list[tuple[str, Path]]) -> bytes:
    """A zip of ``files``: every entry deflated, dated 1980-01-01, mode 0644, in the given order."""
    body, central = bytearray(), bytearray()
    for arcname, path in files:
        crc, size, deflated = _deflate(path)
        name, offset = arcname.encode(), len(body)
        dos = (_DOS_TIME_MIDNIGHT, _DOS_DATE_1980_01_01, crc, len(deflated), size, len(name))
        body += _LOCAL_HEADER.pack(b"PK\x03\x04", 20, 0, 8, *dos, 0) + name + deflated
        central += _CENTRAL_HEADER.pack(b"PK\x01\x02", 20, 3, 20, 0, 8, *dos, 0, 0, 0, 0, _UNIX_RW_R_R, offset)
        central += name
    end = _END.pack(b"PK\x05\x06", 0, 0, len(files), len(files), len(central), len(body), 0)
    return bytes(body + central + end)


def build_zip(cache_dir: Path | None = None, handler_dir: Path | None = None) -> bytes:
    """The deployment package; reuse the cached zip while no source file changed."""
    files = source_files(handler_dir)
    if cache_dir is None:
        return _build(files)
    stamp = hashlib.sha256(
        "\n".join(f"{name}:{path}:{path.stat().st_size}:{path.stat().st_mtime_ns}" for name, path in files).encode()
    ).hexdigest()
    cached, key = cache_dir / "function.zip", cache_dir / "function.zip.key"
    if cached.exists() and key.exists() and key.read_text() == stamp:
        return cached.read_bytes()
    data = _build(files)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    key.write_text(stamp)
    return data


def code_sha256(data: bytes) -> str:
    """The digest Lambda reports as CodeSha256 (base64 of the SHA-256)."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()

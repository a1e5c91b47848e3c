"""Safe model formats: recognise an upload and inspect it without ever executing it.

Only three formats are accepted:

- **safetensors**: an 8-byte little-endian header length, a JSON header, raw bytes. The header is
  parsed here (bounded size, every offset checked); nothing else is read.
- **skops** (scikit-learn): a zip with ``schema.json``. The types it names are listed with
  ``skops.io.get_untrusted_types`` (which reads the schema only) and checked against the
  server's fixed allowlist before :func:`load_skops` hands the same allowlist to ``skops.io.load``.
- **ONNX**: parsed with ``load_external_data=False``; every external-data location must stay
  inside the upload and only the standard operator domains may be used.

Pickle, joblib and torch checkpoints (zips holding ``data.pkl``) are recognised by their magic
bytes, their member names or their extension and refused before anything else happens.
"""

from __future__ import annotations

import json
import math
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, BinaryIO

from mlhive.server.domain.errors import InvalidInput, PayloadTooLarge
from mlhive.wire.errors import ErrorCode
from mlhive.wire.models import ModelFormat, refused_skops_reasons, untrusted_skops_types

MAX_HEADER_BYTES = 100 * 1024**2
"""The safetensors format's own limit on the JSON header."""

DTYPE_SIZES: dict[str, int] = {
    "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
    "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1,
}  # fmt: skip
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".npz", ".sav")
ONNX_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
ZIP_MAGIC = b"PK\x03\x04"


def _refuse_code(what: str) -> InvalidInput:
    return InvalidInput(
        f"file: {what} — formats that run code when loaded are refused; push safetensors "
        "(tensors), skops (scikit-learn) or ONNX instead",
        code=ErrorCode.UNSUPPORTED_FORMAT,
        field="file",
    )


def _malformed(detail: str) -> InvalidInput:
    return InvalidInput(f"file: {detail}", code=ErrorCode.MALFORMED_FILE, field="file")


def too_many_tensors(count: int, limit: int) -> PayloadTooLarge:
    """The refusal of a file holding more tensors than the server's ``max_tensors_per_file``."""
    return PayloadTooLarge(
        f"file: {count} tensors, more than the {limit} this server accepts in one file "
        "(setting max_tensors_per_file, MLHIVE_MAX_TENSORS_PER_FILE); pack small tensors into "
        "fewer, larger ones, or ask the server's operator to raise the limit",
        code=ErrorCode.TOO_MANY_TENSORS,
        field="file",
        tensors=count,
        limit=limit,
        setting="max_tensors_per_file",
    )


def _is_pickle(head: bytes) -> bool:
    # Protocol 2+ pickles start with PROTO (0x80) and the protocol number.
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    # joblib's compressed pickles: zlib, gzip, bz2, xz, lz4 magic.
    return head.startswith((b"x\x9c", b"x\xda", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x04\x22M\x18"))


def _looks_like_safetensors(head: bytes) -> bool:
    if len(head) < 9:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 2 <= length <= MAX_HEADER_BYTES and head[8:9] == b"{"


def sniff(path: Path, filename: str | None, declared: ModelFormat | None) -> ModelFormat:
    """Decide which safe format an upload is in, refusing every unsafe one.

    Args:
        path: the uploaded file on local disk.
        filename: the name the client gave it (its extension is a hint only).
        declared: the format the client declared, if any.

    Returns:
        ``"safetensors"``, ``"skops"`` or ``"onnx"``.

    Raises:
        InvalidInput: a pickle/joblib/torch file (code ``unsupported_format``) or a file that
            is none of the safe formats.
    """
    name = (filename or "").lower()
    with path.open("rb") as handle:
        head = handle.read(16)
    refuse_pickle_name(filename)
    if _is_pickle(head):
        raise _refuse_code("this is a pickle (or a compressed joblib pickle)")
    if head.startswith(ZIP_MAGIC):
        _check_zip_members(path)
        return "skops"
    if _looks_like_safetensors(head):
        return "safetensors"
    if declared == "onnx" or name.endswith(".onnx"):
        return "onnx"
    if declared is not None:
        raise _malformed(f"this is not a {declared} file")
    raise _malformed("not a safetensors, skops or ONNX file (name ONNX files *.onnx)")


def refuse_pickle_name(filename: str | None) -> None:
    """Refuse a file whose name says it is a pickle (``.pkl``, ``.pt``, ``.joblib`` …).

    Raises:
        InvalidInput: code ``unsupported_format``.
    """
    name = (filename or "").lower()
    if name.endswith(PICKLE_SUFFIXES):
        raise _refuse_code(f"{filename!r} is a pickle-based file ({PurePosixPath(name).suffix})")


def _check_zip_members(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise _malformed(f"a broken zip archive: {exc}") from None
    pickled = [n for n in names if n.lower().endswith(PICKLE_SUFFIXES) or n.endswith("data.pkl")]
    if pickled:
        raise _refuse_code(f"the archive holds pickles ({', '.join(pickled[:3])}), as torch.save")
    if "schema.json" not in names:
        raise _malformed("a zip archive without skops' schema.json")


# -- safetensors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorSlice:
    """Where one tensor's bytes are in a safetensors file (offsets from the file start)."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class SafetensorsHeader:
    tensors: list[TensorSlice]
    metadata: dict[str, str] = field(default_factory=dict)


def _tensor_slice(name: str, spec: Any, base: int) -> TensorSlice:
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
        raise _malformed(f"tensor {name!r}: needs exactly dtype, shape and data_offsets")
    dtype, shape, offsets = spec["dtype"], spec["shape"], spec["data_offsets"]
    if dtype not in DTYPE_SIZES:
        raise _malformed(f"tensor {name!r}: unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise _malformed(f"tensor {name!r}: shape must be a list of non-negative integers")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and o >= 0 for o in offsets)
        or offsets[0] > offsets[1]
    ):
        raise _malformed(f"tensor {name!r}: data_offsets must be [begin, end]")
    if offsets[1] - offsets[0] != math.prod(shape) * DTYPE_SIZES[dtype]:
        raise _malformed(f"tensor {name!r}: {offsets[1] - offsets[0]} bytes do not fit {shape}")
    return TensorSlice(name, dtype, tuple(shape), base + offsets[0], base + offsets[1])


def read_safetensors_header(
    handle: BinaryIO, file_size: int, max_tensors: int | None = None
) -> SafetensorsHeader:
    """Parse and check a safetensors header; no tensor data is read.

    Args:
        handle: the file, positioned anywhere (it is rewound).
        file_size: its size in bytes.
        max_tensors: refuse a header naming more tensors than this (None: no limit).

    Returns:
        The tensors in file order and the free-form ``__metadata__``.

    Raises:
        PayloadTooLarge: more than ``max_tensors`` tensors (code ``too_many_tensors``).
        InvalidInput: a header that is too large, not JSON, or whose offsets overlap, leave
            gaps or run past the end of the file.
    """
    handle.seek(0)
    prefix = handle.read(8)
    if len(prefix) < 8:
        raise _malformed("too short for a safetensors file")
    (length,) = struct.unpack("<Q", prefix)
    if length > MAX_HEADER_BYTES or 8 + length > file_size:
        raise _malformed(f"safetensors header of {length} bytes is too large for the file")
    try:
        header = json.loads(handle.read(length))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _malformed(f"safetensors header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise _malformed("safetensors header must be a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise _malformed("__metadata__ must map strings to strings")
    if max_tensors is not None and len(header) > max_tensors:
        raise too_many_tensors(len(header), max_tensors)
    base = 8 + length
    tensors = sorted(
        (_tensor_slice(name, spec, base) for name, spec in header.items()),
        key=lambda t: (t.start, t.end),
    )
    position = base
    for tensor in tensors:
        if tensor.start != position:
            raise _malformed(f"tensor {tensor.name!r}: data overlaps or leaves a gap")
        position = tensor.end
    if position != file_size:
        raise _malformed(
            f"the data section holds {file_size - base} bytes, tensors need {position - base}"
        )
    return SafetensorsHeader(tensors, dict(metadata))


def iter_chunks(handle: BinaryIO, tensor: TensorSlice, chunk_size: int) -> Iterator[bytes]:
    """The bytes of one tensor in pieces of at most ``chunk_size`` (at least one piece)."""
    handle.seek(tensor.start)
    remaining = tensor.size
    if remaining == 0:
        yield b""
        return
    while remaining:
        piece = handle.read(min(chunk_size, remaining))
        if not piece:
            raise _malformed(f"tensor {tensor.name!r}: the file ends early")
        remaining -= len(piece)
        yield piece


# -- skops ------------------------------------------------------------------------------------


def skops_untrusted(path: Path) -> list[str]:
    """The types a skops file names that the server does not trust (reads the schema only).

    Raises:
        InvalidInput: the file is not a readable skops archive.
    """
    import skops.io as sio  # type: ignore[import-untyped]

    try:
        named = list(sio.get_untrusted_types(file=path))
    except Exception as exc:  # skops raises plain errors for broken schemas
        raise _malformed(f"not a readable skops file: {exc}") from None
    return untrusted_skops_types(named)


def check_skops(path: Path) -> None:
    """Refuse a skops file that names a type outside the server's allowlist.

    Raises:
        InvalidInput: naming the untrusted types; the file was not loaded.
    """
    refused = skops_untrusted(path)
    try:
        reasons = refused_skops_reasons(path)
    except ValueError as exc:
        raise _malformed(str(exc)) from None
    if reasons:
        named = f" (it also names untrusted {', '.join(refused[:10])})" if refused else ""
        raise InvalidInput(
            "file: the forge loads only data-only models: " + "; ".join(reasons) + named,
            code=ErrorCode.UNSUPPORTED_FORMAT,
            field="file",
        )
    if refused:
        raise InvalidInput(
            "file: the skops file references types the server does not trust: "
            + ", ".join(refused[:10])
            + " — only scikit-learn, numpy and scipy types on the server's allowlist load",
            code=ErrorCode.UNSUPPORTED_FORMAT,
            field="file",
        )


def load_skops(source: Path | bytes) -> Any:
    """Load a skops file that passed :func:`check_skops`, with the server's allowlist.

    Raises:
        InvalidInput: the file names untrusted types or cannot be loaded.
    """
    import skops.io as sio

    try:
        named = (
            sio.get_untrusted_types(data=source)
            if isinstance(source, bytes)
            else sio.get_untrusted_types(file=source)
        )
    except Exception as exc:
        raise _malformed(f"not a readable skops file: {exc}") from None
    try:
        refused = refused_skops_reasons(source)
    except ValueError as exc:
        raise _malformed(str(exc)) from None
    if untrusted_skops_types(list(named)) or refused:
        raise _malformed("the skops data references untrusted types")
    return load_checked_skops(source)


def load_checked_skops(source: Path | bytes) -> Any:
    """Load a skops file that :func:`check_skops` has just passed, without auditing its
    schema a second time: skops itself refuses any type outside the allowlist it is given.

    Raises:
        InvalidInput: the file names untrusted types or cannot be loaded.
    """
    import skops.io as sio

    from mlhive.wire.models import SKOPS_TRUSTED_TYPES

    trusted = sorted(SKOPS_TRUSTED_TYPES)
    try:
        if isinstance(source, bytes):
            return sio.loads(source, trusted=trusted)
        return sio.load(source, trusted=trusted)
    except Exception as exc:
        raise _malformed(f"the skops file cannot be loaded: {type(exc).__name__}: {exc}") from None


# -- ONNX -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnnxInfo:
    ir_version: int
    opsets: dict[str, int]
    inputs: list[str]
    outputs: list[str]


def _outside(location: str) -> bool:
    posix, windows = PurePosixPath(location), PureWindowsPath(location)
    return (
        posix.is_absolute()
        or windows.is_absolute()
        or bool(windows.drive)
        or ".." in posix.parts
        or ".." in windows.parts
        or "\x00" in location
    )


def _graphs(graph: Any) -> Iterator[Any]:
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("g"):
                yield from _graphs(attribute.g)
            for sub in attribute.graphs:
                yield from _graphs(sub)


def _check_text(message: Any) -> None:
    """Refuse a model whose names, operator types or other texts are not UTF-8.

    protobuf hands such a string field over as bytes, and the checker fails on it while
    building its message; tensor payloads (bytes fields) are not read.
    """
    for spec in message.DESCRIPTOR.fields:
        repeated = bool(getattr(spec, "is_repeated", False)) or getattr(spec, "label", 0) == 3
        if spec.type == spec.TYPE_STRING:
            value = getattr(message, spec.name)
            texts = value if repeated else [value]
            if any(isinstance(text, bytes) for text in texts):
                where = f"{message.DESCRIPTOR.name}.{spec.name}"
                raise _malformed(f"the ONNX model holds text that is not UTF-8 (in {where})")
        elif spec.type == spec.TYPE_MESSAGE:
            if repeated:
                for child in getattr(message, spec.name):
                    _check_text(child)
            elif message.HasField(spec.name):
                _check_text(getattr(message, spec.name))


def _check_external(model: Any, graphs: list[Any]) -> None:
    import onnx

    for graph in graphs:
        for tensor in graph.initializer:
            if tensor.data_location != onnx.TensorProto.EXTERNAL:
                continue
            entries = {e.key: e.value for e in tensor.external_data}
            location = entries.get("location", "")
            if _outside(location):
                raise InvalidInput(
                    f"file: initializer {tensor.name!r} has external data at {location!r}, "
                    "outside the upload",
                    code=ErrorCode.UNSUPPORTED_FORMAT,
                    field="file",
                )
            raise _malformed(
                f"initializer {tensor.name!r} keeps its data in {location!r}, which was not "
                "uploaded: save the model with its tensors inside the .onnx file"
            )


def _check_operators(model: Any, graphs: list[Any]) -> None:
    odd = sorted({o.domain for o in model.opset_import} - ONNX_DOMAINS)
    odd += sorted({n.domain for g in graphs for n in g.node} - ONNX_DOMAINS - set(odd))
    if odd or len(model.functions):
        what = ", ".join(repr(d) for d in odd) or "model-local functions"
        raise InvalidInput(
            f"file: the ONNX model uses non-standard operators ({what}); only the ai.onnx and "
            "ai.onnx.ml domains are accepted",
            code=ErrorCode.UNSUPPORTED_FORMAT,
            field="file",
        )


def inspect_onnx(path: Path) -> OnnxInfo:
    """Check an ONNX file: parsable, external data inside the upload, standard operators only.

    Raises:
        InvalidInput: naming the offending initializer or operator domain.
    """
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise _malformed(f"not a readable ONNX model: {type(exc).__name__}") from None
    if model.ir_version <= 0 or not model.graph.node:
        raise _malformed("not an ONNX model (no IR version or an empty graph)")
    _check_text(model)
    graphs = list(_graphs(model.graph))
    _check_external(model, graphs)
    _check_operators(model, graphs)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise _malformed(f"the ONNX model is invalid: {str(exc).splitlines()[0]}") from None
    except UnicodeDecodeError:  # the checker's own message could not be built
        raise _malformed("the ONNX model is invalid and holds text that is not UTF-8") from None
    return OnnxInfo(
        ir_version=int(model.ir_version),
        opsets={o.domain or "ai.onnx": int(o.version) for o in model.opset_import},
        inputs=[i.name for i in model.graph.input],
        outputs=[o.name for o in model.graph.output],
    )

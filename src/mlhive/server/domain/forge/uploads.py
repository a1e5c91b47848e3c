"""Upload sessions, the pure part: check what a client says its model file is made of.

A client that pushes in pieces describes its file first (:class:`~mlhive.wire.models.
UploadCreate`): a safetensors file by its JSON header and the sha256 of every piece of every
tensor (each tensor cut into pieces of :data:`~mlhive.server.domain.forge.tensors.CHUNK_BYTES`,
the server's own chunks), any other file as one piece. :func:`plan_upload` checks that the
description is one the server would have produced from the file itself (the header passes the
same checks as an uploaded file's, the pieces have the sizes the header implies) and turns it
into the commit's manifest, before a single piece is sent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from mlhive.server.domain.errors import InvalidInput
from mlhive.server.domain.forge import formats
from mlhive.server.domain.forge.tensors import CHUNK_BYTES, Manifest, TensorRecord
from mlhive.wire.models import ModelFormat, UploadCreate


@dataclass(frozen=True)
class Plan:
    """What a session's commit will hold.

    Attributes:
        format: ``safetensors``, or None for a file inspected once it arrived (skops, ONNX).
        manifest: a safetensors commit's manifest (None for other files).
        pieces: every distinct piece, sha256 → size, in the order the client lists them.
    """

    format: ModelFormat | None
    manifest: Manifest | None
    pieces: dict[str, int]

    @property
    def total_bytes(self) -> int:
        """The bytes of all distinct pieces."""
        return sum(self.pieces.values())


def _chunks_error(detail: str) -> InvalidInput:
    return InvalidInput(f"chunks: {detail}", field="chunks")


def piece_sizes(size: int, chunk_bytes: int = CHUNK_BYTES) -> list[int]:
    """The sizes of a tensor's pieces: full pieces, the rest last; one empty piece if empty."""
    if size == 0:
        return [0]
    full, rest = divmod(size, chunk_bytes)
    return [chunk_bytes] * full + ([rest] if rest else [])


def plan_upload(
    body: UploadCreate, max_tensors: int | None = None, chunk_bytes: int = CHUNK_BYTES
) -> Plan:
    """Check a session's description of its file and derive the commit's content.

    Raises:
        InvalidInput: a pickle-named file, a malformed header (code ``malformed_file``), or
            pieces that do not fit the header (naming the tensor and the piece).
        PayloadTooLarge: more than ``max_tensors`` tensors (code ``too_many_tensors``).
    """
    formats.refuse_pickle_name(body.filename)
    declared = body.metadata.format
    pieces: dict[str, int] = {}
    for chunk in body.chunks:
        if pieces.setdefault(chunk.sha256, chunk.size) != chunk.size:
            raise _chunks_error(f"piece {chunk.sha256} is listed with two sizes")
    if body.header is None:
        if declared == "safetensors":
            raise InvalidInput("header: a safetensors file is described by its header")
        if len(body.chunks) != 1 or body.chunks[0].size != body.size:
            raise _chunks_error(
                "a file other than safetensors is sent as one piece: the whole file"
            )
        return Plan(None, None, pieces)
    if declared not in (None, "safetensors"):
        raise InvalidInput(
            f"header: only safetensors files have a header; leave it out for a {declared} file",
            field="header",
        )
    raw = body.header.encode()
    parsed = formats.read_safetensors_header(
        io.BytesIO(len(raw).to_bytes(8, "little") + raw), body.size, max_tensors
    )
    expected = sum(len(piece_sizes(t.size, chunk_bytes)) for t in parsed.tensors)
    if expected != len(body.chunks):
        raise _chunks_error(
            f"the header's tensors make {expected} pieces of at most {chunk_bytes} bytes, "
            f"not {len(body.chunks)}"
        )
    listed = iter(body.chunks)
    records = []
    for tensor in parsed.tensors:
        shas = []
        for index, size in enumerate(piece_sizes(tensor.size, chunk_bytes)):
            chunk = next(listed)
            if chunk.size != size:
                raise _chunks_error(
                    f"tensor {tensor.name!r}: piece {index} is {chunk.size} bytes, not {size} "
                    f"(tensors are cut into pieces of {chunk_bytes} bytes)"
                )
            shas.append(chunk.sha256)
        records.append(
            TensorRecord(tensor.name, tensor.dtype, tensor.shape, tensor.size, tuple(shas))
        )
    manifest = Manifest(format="safetensors", tensors=records, metadata=parsed.metadata)
    return Plan("safetensors", manifest, pieces)

"""``oml:error`` documents with OpenML's error codes.

Services raise :class:`~mlhive.server.domain.errors.DomainError`; each route of the face says
which OpenML code every kind of failure has *there* (OpenML numbers its errors per API call:
an unknown dataset is 111 on ``data/{id}`` but 352 on ``DELETE data/{id}``), with
:func:`codes`. The message is OpenML's text for the code; mlhive's own explanation goes into
``additional_information``. Codes and texts: OpenML's ``api_new/v1/xml/pre.php``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import Scope

from mlhive.server.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mlhive.server.http.failures import FAILURES, translate
from mlhive.server.http.status import headers_for
from mlhive.server.openml import xmlio
from mlhive.wire.errors import ErrorCode

log = logging.getLogger("mlhive.openml")

# OpenML answers every error with 412 Precondition Failed; its clients only look at the code.
ERROR_STATUS = 412

MESSAGES: dict[int, str] = {
    100: "Function not valid",
    102: "No authentication (Please provide API key for all requests other than HTTP GET)",
    103: "Authentication failed",
    # OpenML's own text, trailing space included (its pre.php).
    104: "This is a read-only account, it does not have permission for write operations. ",
    107: "Database connection error. Usually due to high server load.",
    111: "Unknown dataset",
    112: "No access granted",
    131: "Problem validating uploaded description file",
    135: "Please provide description xml",
    141: "Neither dataset file or dataset url are provided",
    145: "Error parsing dataset ARFF file",
    151: "Unknown task",
    161: "Please provide description xml",
    163: "Problem validating uploaded description file",
    181: "Unknown flow",
    201: "Please provide run xml",
    202: "Could not validate run xml by xsd",
    203: "Error reading the run XML",
    204: "Unknown task",
    205: "Unknown flow",
    209: "Error parsing uploaded file.",
    213: "Parameter in run xml unknown",
    236: "Run not found",
    271: "Unknown dataset",
    272: "No features found",
    273: "Dataset not processed yet",
    274: "No features found. Additionally, dataset processed with error",
    281: "Unknown setup",
    322: "flow does not exist",
    323: "flow is not owned by you",
    324: "flow is in use by other content (runs). Can not be deleted",
    328: "flow is in use by other content (it is a subflow). Can not be deleted",
    330: "Mandatory fields not present.",
    352: "Dataset does not exist",
    353: "Dataset is not owned by you",
    354: "Dataset is in use by other content. Can not be deleted",
    361: "Unknown dataset",
    362: "No qualities found",
    363: "Dataset not processed yet",
    364: "Dataset processed with error",
    370: "Illegal filter specified",
    371: "Input not safe",
    372: "No results",
    392: "Run does not exist",
    393: "Run is not owned by you",
    394: "Deleting run failed.",
    452: "Task does not exist",
    453: "Task is not owned by you",
    454: "Task is executed in some runs. Delete these first",
    471: "Please give entity_id {data_id, flow_id, run_id} and tag.",
    472: "Entity not found.",
    475: "Tag not found.",
    476: "Tag is not owned by you",
    477: "Tags are restricted to length 64 alphanumeric and _-. characters",
    480: "Illegal filter specified",
    481: "Filter input not according to constraints",
    482: "No results",
    500: "No results",
    501: "Illegal filter operation",
    502: "Illegal filter value",
    512: "No results",
    514: "Illegal filter specified",
    520: "No results",
    542: "No results",
    544: "Illegal filter specified",
    547: 'Per fold can only be set to value "true" or "false".',
    549: 'If set, sort should be set to either "asc" or "desc"',
    571: "Run not found.",
    572: "No successful trace associated with this run.",
    581: "Problem with uploading the description file.",
    583: "Error reading the XML document.",
    584: "Unknown flow.",
    586: "Parameter in run xml unknown.",
    592: "Study does not exist",
    594: "Study not owned by this user",
    596: "Illegal filter.",
    597: "Illegal filter input.",
    599: "No studies according to the specified criteria.",
    601: "Study does not exist.",
    611: "Description file not present",
    613: "Problem validating uploaded description file",
    614: "Task already exists.",
    615: "Error creating the task.",
    616: "Task contains illegal inputs.",
    622: "Input value does not match allowed values in foreign column.",
    641: "No results",
    671: "Illegal filter.",
    672: "Illegal filter input.",
    674: "No results, please check the filter.",
    691: "Illegal status",
    692: "Dataset does not exist",
    693: "Dataset is not owned by you",
    694: "Illegal status transition",
    1031: "No description file uploaded",
    1032: "Description file does not correspond to XSD schema",
    1036: "Referred benchmark suite not found",
    1038: "Study alias not unique",
    1041: "Could not find study",
    1043: "Please provide post field: ids",
    1044: "Please ensure that post field ids contains a list of natural numbers",
    1045: "Problem attaching entities. Please ensure to only attach entities that exist",
    1051: "Not legal status to update to",
    1052: "Could not find study",
    1053: "Study not owned by you",
    1060: "Problem validating edit_parameters xml",
    1061: "Please provide edit_parameters xml",
    1062: "Data ID is required",
    1063: "Unknown dataset",
    1064: "Please provide at least one field to edit.",
    1065: "Critical features default_target_attribute, row_id_attribute and ignore_attribute "
    "can be edited only by the owner. Fork the dataset if changes are required.",
    1066: "Critical features default_target_attribute, row_id_attribute and ignore_attribute "
    "can only be edited for datasets without any tasks.",
    1070: "Data ID is required",
    1071: "Unknown dataset",
    1080: "Please provide a dataset id and a topic.",
    1081: "Unknown dataset.",
    1082: "Topic can only be added/removed by admin.",
    1083: "The topic you provided is already added for this dataset.",
    1085: "Failed to find record in database.",
    1100: "Please provide mandatory POST fields",
    1101: "This description was already associated with this feature",
    1103: "Could not find description in database",
    1104: "Failure to write to the database",
    1105: "Feature description too long",
    1106: "Feature description meant as ontology, but is not a valid URL",
}


class OpenMLError(Exception):
    """A failure answered with an ``oml:error`` document."""

    def __init__(
        self,
        code: int,
        additional: str | None = None,
        *,
        status: int = ERROR_STATUS,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {MESSAGES.get(code, '')}")
        self.code = code
        self.additional = additional
        self.status = status
        self.headers = headers or {}

    def response(self) -> Response:
        """The ``oml:error`` document."""
        element = xmlio.root("error")
        xmlio.add(element, "code", self.code)
        xmlio.add(element, "message", MESSAGES.get(self.code, "Error"))
        if self.additional:
            xmlio.add(element, "additional_information", self.additional)
        response = xmlio.document(element, self.status)
        response.headers.update(self.headers)
        return response


@contextmanager
def codes(
    *,
    not_found: int | None = None,
    denied: int | None = None,
    conflict: int | None = None,
    invalid: int | None = None,
) -> Iterator[None]:
    """Translate the service errors raised inside the block into OpenML's codes for this call.

    Errors without a code here (and authentication errors) keep their generic translation.
    """
    try:
        yield
    except DomainError as exc:
        table: list[tuple[type[DomainError], int | None]] = [
            (NotFound, not_found),
            (PermissionDenied, denied),
            (Conflict, conflict),
            (InvalidInput, invalid),
        ]
        for kind, code in table:
            if code is not None and isinstance(exc, kind):
                raise OpenMLError(code, exc.detail) from exc
        raise


GENERIC: dict[ErrorCode, tuple[int, int]] = {
    ErrorCode.UNAUTHENTICATED: (103, ERROR_STATUS),
    ErrorCode.INVALID_API_KEY: (103, ERROR_STATUS),
    ErrorCode.PERMISSION_DENIED: (100, ERROR_STATUS),
    ErrorCode.READ_ONLY_KEY: (104, ERROR_STATUS),
    ErrorCode.NOT_FOUND: (100, ERROR_STATUS),
    ErrorCode.CONFLICT: (100, ERROR_STATUS),
    ErrorCode.INVALID_STATUS_TRANSITION: (100, ERROR_STATUS),
    ErrorCode.NOT_PROCESSED: (100, ERROR_STATUS),
    ErrorCode.INVALID_INPUT: (100, ERROR_STATUS),
    ErrorCode.MALFORMED_FILE: (100, ERROR_STATUS),
    ErrorCode.CORRUPTED_CHUNK: (100, ERROR_STATUS),
    ErrorCode.UNSUPPORTED_FORMAT: (100, ERROR_STATUS),
    ErrorCode.EMPTY_FILE: (100, ERROR_STATUS),
    ErrorCode.DUPLICATE_COLUMNS: (100, ERROR_STATUS),
    ErrorCode.UNKNOWN_COLUMN: (100, ERROR_STATUS),
    ErrorCode.PAYLOAD_TOO_LARGE: (100, ERROR_STATUS),
    ErrorCode.TOO_MANY_TENSORS: (100, ERROR_STATUS),
    ErrorCode.TOO_MANY_COLUMNS: (100, ERROR_STATUS),
    ErrorCode.TOO_MANY_CELLS: (100, ERROR_STATUS),
    ErrorCode.URL_REFUSED: (100, ERROR_STATUS),
    ErrorCode.URL_FETCH_FAILED: (100, ERROR_STATUS),
    # 107 ("high server load") is the one code openml-python retries, with back-off.
    ErrorCode.RATE_LIMITED: (107, 429),
    ErrorCode.INTERNAL: (100, ERROR_STATUS),
    ErrorCode.STORAGE_CORRUPT: (0, 500),
    ErrorCode.DATABASE_BUSY: (0, 503),
    ErrorCode.INSUFFICIENT_STORAGE: (0, 507),
}
"""OpenML code and HTTP status of an error no route mapped, by mlhive's code (rare: a route
maps what it expects with :func:`codes`). OpenML's clients read 103 as "authenticate"."""


def generic(exc: DomainError) -> OpenMLError:
    """The translation of an error no route mapped."""
    code, status = GENERIC[exc.code]
    return OpenMLError(code, exc.detail, status=status, headers=headers_for(exc))


async def _openml(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, OpenMLError):  # registered for OpenMLError only
        raise exc
    return exc.response()


async def _domain(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, DomainError):  # registered for DomainError only
        raise exc
    return generic(exc).response()


async def _failure(request: Request, exc: Exception) -> Response:
    known = translate(exc)  # a busy database, a full disk: 503/507; anything else stays a 500
    if known is None:
        raise exc
    log.warning("%s %s: %s (%s)", request.method, request.url.path, known.detail, exc)
    return generic(known).response()


async def _validation(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):  # registered for RequestValidationError only
        raise exc
    # A value that does not fit a route (a non-numeric id) is, to OpenML, an unknown call.
    where = [".".join(str(p) for p in err.get("loc", ())) for err in exc.errors()]
    return OpenMLError(100, f"invalid value in {', '.join(where)}").response()


async def _http(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        raise exc
    status = exc.status_code if exc.status_code in (404, 405) else ERROR_STATUS
    return OpenMLError(
        100, f"no such call: {request.method} {request.url.path}", status=status
    ).response()


HANDLERS = {
    OpenMLError: _openml,
    DomainError: _domain,
    RequestValidationError: _validation,
    HTTPException: _http,
    **dict.fromkeys(FAILURES, _failure),
}


def rate_limited(scope: Scope, detail: str, retry_after: int) -> Response:
    """The ``oml:error`` (107, 429) of a request over its budget, with ``Retry-After``."""
    code, status = GENERIC[ErrorCode.RATE_LIMITED]
    response = OpenMLError(code, detail, status=status).response()
    response.headers["Retry-After"] = str(retry_after)
    return response


def internal_error(scope: Scope) -> Response:
    """The ``oml:error`` document of an unexpected failure (500; the traceback is logged)."""
    return OpenMLError(0, "internal server error", status=500).response()

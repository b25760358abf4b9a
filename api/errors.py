"""One table from error class to HTTP status, and the problem+json body (RFC 9457) for each.

Every error response has ``type``, ``title``, ``status``, ``detail`` and a stable ``code``,
plus ``hint`` and ``request_id`` when known. Never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from analyzer.errors import (
    AnalyzerError,
    ConfigError,
    DataError,
    InputError,
    ModelError,
    UnknownComponentError,
)
from analyzer.storage.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    StorageError,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:comment-analyzer:problem:"

log = logging.getLogger("api.errors")


class ServiceError(AnalyzerError):
    """Errors that only the HTTP service raises."""

    code = "service_error"


class AuthenticationRequiredError(ServiceError):
    code = "missing_api_key"


class InvalidApiKeyError(ServiceError):
    code = "invalid_api_key"


class PermissionDeniedError(ServiceError):
    code = "forbidden"


class RateLimitedError(ServiceError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_seconds = retry_after_seconds


class PayloadTooLargeError(ServiceError):
    code = "payload_too_large"


class NotReadyError(ServiceError):
    code = "not_ready"


# The one table. Looked up along the exception's MRO, so subclasses inherit their parent's row.
ERROR_TABLE: Mapping[type[AnalyzerError], tuple[int, str]] = {
    AuthenticationRequiredError: (401, "Authentication required"),
    InvalidApiKeyError: (401, "Invalid API key"),
    PermissionDeniedError: (403, "Permission denied"),
    NotFoundError: (404, "Not found"),
    ConflictError: (409, "Conflict"),
    PayloadTooLargeError: (413, "Payload too large"),
    InvalidRequestError: (422, "Invalid request"),
    InputError: (422, "Unreadable input"),
    RateLimitedError: (429, "Too many requests"),
    UnknownComponentError: (500, "Unknown component configured"),
    ConfigError: (500, "Server configuration error"),
    DataError: (500, "Data error"),
    ModelError: (503, "Model unavailable"),
    StorageError: (503, "Storage unavailable"),
    NotReadyError: (503, "Not ready"),
    AnalyzerError: (500, "Analysis failed"),
}


def status_for(exc: AnalyzerError) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in ERROR_TABLE:
            return ERROR_TABLE[cls]
    return 500, "Analysis failed"


def request_id_of(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def problem(
    status: int,
    title: str,
    code: str,
    detail: str,
    *,
    request: Request | None = None,
    hint: str | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if hint:
        body["hint"] = hint
    if request is not None:
        body["instance"] = request.url.path
        request_id = request_id_of(request)
        if request_id:
            body["request_id"] = request_id
    if extra:
        body.update(extra)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {})
    )


def problem_for(exc: AnalyzerError, request: Request | None = None) -> JSONResponse:
    status, title = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="comment-analyzer"'
    if status >= 500:
        log.error("request failed: %s: %s", exc.code, exc)
    return problem(
        status, title, exc.code, exc.message, request=request, hint=exc.hint, headers=headers
    )


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def validation_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{field, message, type}``; the offending input is not echoed back
    in full (it may be megabytes), only a short preview."""
    out = []
    for error in errors:
        item: dict[str, Any] = {
            "field": _field_path(error.get("loc", ())),
            "message": str(error.get("msg", "invalid value")),
            "type": str(error.get("type", "value_error")),
        }
        if "input" in error and error.get("type") != "json_invalid":
            preview = repr(error["input"])
            item["input_preview"] = preview if len(preview) <= 80 else preview[:77] + "..."
        out.append(item)
    return out


async def _analyzer_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AnalyzerError)
    return problem_for(exc, request)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors())
    malformed = any(e["type"] == "json_invalid" for e in errors)
    if malformed:
        where = next(e for e in exc.errors() if e.get("type") == "json_invalid")
        position = where.get("loc", ("body", "?"))[-1]
        reason = where.get("ctx", {}).get("error", "cannot be decoded")
        detail = f"the request body is not valid JSON: {reason} (at character {position})"
        code = "malformed_json"
    else:
        shown = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        detail = f"{len(errors)} invalid field(s): {shown}{more}"
        code = "validation_failed"
    return problem(
        422,
        "Malformed JSON" if malformed else "Validation failed",
        code,
        detail,
        request=request,
        hint="see 'errors' for each field; the OpenAPI schema at /openapi.json lists valid shapes",
        extra={"errors": errors},
    )


_HTTP_CODES = {
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    415: ("unsupported_media_type", "Unsupported media type"),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
    detail = str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no endpoint at {request.url.path}"
    return problem(
        exc.status_code,
        title,
        code,
        detail,
        request=request,
        hint="the API is described at /docs and /openapi.json" if exc.status_code == 404 else None,
        headers=dict(exc.headers or {}),
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", extra={"request_id": request_id_of(request)})
    request_id = request_id_of(request)
    return problem(
        500,
        "Internal server error",
        "internal_error",
        "an unexpected error occurred"
        + (f"; quote request id {request_id} when reporting it" if request_id else ""),
        request=request,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(AnalyzerError, _analyzer_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

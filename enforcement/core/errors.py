"""Domain errors, and their one mapping to HTTP.

Services raise these; the API answers ``application/problem+json`` (RFC 9457) and pages show a
Chinese message. Nothing else in the code base decides a status code for a business failure.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, has_request_context, json, request
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule refused the operation; ``status`` is the HTTP status it maps to."""

    status: int = 400
    title = _l("请求无法处理")
    slug = "bad-request"

    def __init__(self, detail: Any = None, *, errors: dict[str, list[str]] | None = None):
        super().__init__(str(detail) if detail is not None else str(self.title))
        self.detail = detail if detail is not None else self.title
        self.errors = errors


class ValidationFailed(DomainError):
    """Input that parses but breaks a rule: field → messages."""

    status = 422
    title = _l("提交的数据有误")
    slug = "validation"


class Unauthorized(DomainError):
    status = 401
    title = _l("需要登录")
    slug = "unauthorized"


class Forbidden(DomainError):
    status = 403
    title = _l("没有权限")
    slug = "forbidden"


class NotFound(DomainError):
    status = 404
    title = _l("未找到")
    slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = _l("与当前状态冲突")
    slug = "conflict"


class StaleVersion(Conflict):
    """The client edited an old version of the record (optimistic concurrency)."""

    title = _l("数据已被他人修改")
    slug = "stale-version"


class TransitionNotAllowed(Conflict):
    title = _l("当前状态不允许此操作")
    slug = "transition-not-allowed"


class TooManyAttempts(DomainError):
    status = 429
    title = _l("尝试次数过多")
    slug = "too-many-attempts"


class PayloadTooLarge(DomainError):
    status = 413
    title = _l("文件过大")
    slug = "payload-too-large"


class UnsupportedMediaType(DomainError):
    status = 415
    title = _l("不支持的文件类型")
    slug = "unsupported-media-type"


def is_api_request() -> bool:
    return has_request_context() and request.path.startswith("/api/")


def problem(
    status: int,
    title: Any,
    detail: Any = None,
    *,
    errors: dict[str, list[str]] | None = None,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An ``application/problem+json`` response with text in the request's language."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": str(title),
        "status": status,
        "detail": str(detail if detail is not None else title),
    }
    if errors:
        body["errors"] = {field: [str(m) for m in msgs] for field, msgs in errors.items()}
    payload = json.dumps(body, ensure_ascii=False)
    response = current_app.response_class(payload, status=status,
                                          mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def domain_problem(error: DomainError) -> Response:
    return problem(error.status, error.title, error.detail, errors=error.errors, slug=error.slug)

"""The REST shell: flask-smorest with every error as problem+json and flattened field errors."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from enforcement.core.errors import is_api_request, problem
from enforcement.core.i18n import N_
from enforcement.core.schemas import translate_errors

_HTTP_TITLES = {
    400: N_("请求格式错误"),
    401: N_("需要登录"),
    403: N_("没有权限"),
    404: N_("未找到"),
    405: N_("不允许的请求方法"),
    409: N_("与当前状态冲突"),
    413: N_("文件过大"),
    415: N_("不支持的文件类型"),
    422: N_("提交的数据有误"),
    429: N_("尝试次数过多，请稍后再试"),
    500: N_("服务器内部错误"),
}


def http_title(code: int) -> str:
    return _(_HTTP_TITLES.get(code, N_("请求无法处理")))


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"field": [...]}}); clients want field → list.

    Nested fields become dotted paths (``party.name``), list items their index (``items.0``).
    """
    locations = {"json", "query", "form", "files", "headers", "cookies", "view_args", "path"}
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in locations and isinstance(value, dict):
                for field, msgs in flatten_errors(value).items():
                    flat.setdefault(field, []).extend(msgs)
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            for field, msgs in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(msgs)
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            if isinstance(item, (dict, list, tuple)):
                for field, msgs in flatten_errors(item, prefix).items():
                    flat.setdefault(field, []).extend(msgs)
            else:
                flat.setdefault(prefix or "_schema", []).append(str(item))
    else:
        flat.setdefault(prefix or "_schema", []).append(str(messages))
    return flat


class ProblemApi(Api):
    """flask-smorest's Api, answering errors as RFC 9457 problems (API) or Chinese pages (HTML)."""

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        code = error.code or 500
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        if error.response is not None and code == 429:
            headers.update({k: v for k, v in error.response.headers.items()
                            if k.lower().startswith(("retry-after", "x-ratelimit"))})
        if not is_api_request():
            return render_template("errors/error.html", code=code, title=http_title(code),
                                   detail=_page_detail(code)), code, headers
        raw = data.get("errors") or data.get("messages")
        errors = translate_errors(flatten_errors(raw)) if raw else None
        if code == 400 and errors and not data.get("message"):
            # webargs reports a body it cannot parse as JSON under "json": ["Invalid JSON body."]
            detail = _("请求体不是有效的 JSON")
            errors = None
        elif errors:
            detail = _("请检查标出的字段")
        else:
            detail = data.get("message") or _detail(code, error)
        return problem(code, http_title(code), detail, errors=errors, headers=headers,
                       slug=f"http-{code}")


def _detail(code: int, error: HTTPException) -> str:
    if code == 404:
        return _("请求的资源不存在：%(path)s", path=request.path)
    if code == 405:
        return _("此地址不支持 %(method)s 请求", method=request.method)
    if code == 413:
        return _("请求体超过允许的大小")
    if code == 429:
        return _("请求过于频繁，请稍后再试")
    if code >= 500:
        return _("服务器处理请求时出错，已记录，请稍后重试")
    return http_title(code)


def _page_detail(code: int) -> str:
    return {
        403: _("您的账号没有访问此页面的权限。如需开通，请联系系统管理员。"),
        404: _("您访问的页面不存在，可能已被移动或删除。"),
        405: _("不支持此操作。"),
        413: _("上传的内容超过允许的大小。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("系统出现错误，已记录。请稍后重试或联系管理员。"),
    }.get(code, http_title(code))


def paginate_select(stmt, pagination_parameters):
    """Run a select for one page: sets ``item_count`` (for X-Pagination) and returns the rows."""
    import sqlalchemy as sa

    from enforcement.extensions import db

    count = db.session.scalar(sa.select(sa.func.count()).select_from(
        stmt.order_by(None).subquery()))
    pagination_parameters.item_count = count
    page = stmt.offset(pagination_parameters.first_item).limit(pagination_parameters.page_size)
    return list(db.session.scalars(page))


def paginate_scan(stmt, pagination_parameters):
    """Like ``paginate_select``, but one pass: the total comes from ``count(*) OVER ()`` on the
    page's own query — for searches that must scan the table anyway (LIKE '%…%')."""
    import sqlalchemy as sa

    from enforcement.extensions import db

    windowed = stmt.add_columns(sa.func.count().over().label("_total"))
    rows = db.session.execute(windowed.offset(pagination_parameters.first_item)
                              .limit(pagination_parameters.page_size)).all()
    if rows:
        pagination_parameters.item_count = rows[0][-1]
        return [row[0] for row in rows]
    pagination_parameters.item_count = db.session.scalar(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    return []


from flask_smorest import Blueprint as _SmorestBlueprint  # noqa: E402


class ApiBlueprint(_SmorestBlueprint):
    """Lists default to 20 items a page, at most 100 (API.md conventions)."""

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

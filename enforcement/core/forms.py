"""Page forms go through the same marshmallow schemas as the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from enforcement.core.api import flatten_errors
from enforcement.core.schemas import translate_errors


def parse_form(schema: ma.Schema, form: MultiDict, *, lists: tuple[str, ...] = (),
               blank_is_none: bool = True) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Load ``form`` with ``schema``: (data, {}) or (None, field → messages in the user's language).

    Checkbox groups named in ``lists`` become lists; empty inputs become ``None`` (or are left
    out when the field does not accept ``None``), so "not filled in" reads as missing.
    """
    raw: dict[str, Any] = {}
    for key in form.keys():
        if key == "csrf_token":
            continue
        if key in lists:
            raw[key] = [v for v in form.getlist(key) if v != ""]
            continue
        value = form.get(key, "")
        if blank_is_none and isinstance(value, str) and value.strip() == "":
            field = schema.fields.get(key)
            if field is not None and field.allow_none:
                raw[key] = None
            continue
        raw[key] = value
    for key in lists:
        raw.setdefault(key, [])
    try:
        return schema.load(raw), {}
    except ma.ValidationError as err:
        return None, translate_errors(flatten_errors(err.messages))


def int_list(form: MultiDict, name: str) -> list[int]:
    """The whole numbers a multi-valued field carries (the ids of a multiple select or of
    checkboxes); anything else in it is left out."""
    out = []
    for raw in form.getlist(name):
        try:
            out.append(int(raw))
        except ValueError:
            continue
    return out


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def error_messages(error) -> list[str]:
    """Every message of a DomainError (field messages first, else its detail), for a flash."""
    messages = [m for msgs in (error.errors or {}).values() for m in msgs]
    return messages or [str(error.detail)]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, filename: str, mimetype: str, *, inline: bool = False):
    """A file download with a UTF-8 (Chinese) file name (RFC 6266 ``filename*``); ``inline``
    lets the browser show it (a PDF) instead of saving it."""
    from urllib.parse import quote

    from flask import Response

    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"{'inline' if inline else 'attachment'}; filename=\"download\"; "
        f"filename*=UTF-8''{quote(filename)}")
    return response

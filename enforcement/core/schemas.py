"""Marshmallow base schema and validation messages in the user's language.

marshmallow and webargs produce English messages, some with values filled in ("Length must be
between 1 and 64."). ``translate_errors`` turns each into the request's language by matching it
against the library's templates, so every error the user sees — API or page — reads naturally.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import marshmallow as ma
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# English library template → our message (Chinese source text, translated to English in the
# ``en`` catalogue). Placeholders keep their names.
LIBRARY_MESSAGES: dict[str, Any] = {
    "Missing data for required field.": _l("此字段为必填项。"),
    "Field may not be null.": _l("此字段不能为空。"),
    "Invalid value.": _l("值无效。"),
    "Invalid input.": _l("输入无效。"),
    "Unknown field.": _l("未知字段。"),
    "Invalid input type.": _l("输入类型无效，应为 JSON 对象。"),
    "Invalid type.": _l("类型无效。"),
    "Not a valid list.": _l("应为列表。"),
    "Not a valid tuple.": _l("应为数组。"),
    "Not a valid string.": _l("应为文本。"),
    "Not a valid utf-8 string.": _l("不是有效的 UTF-8 文本。"),
    "Not a valid integer.": _l("应为整数。"),
    "Not a valid number.": _l("应为数字。"),
    "Number too large.": _l("数值过大。"),
    "Not a valid boolean.": _l("应为 true 或 false。"),
    "Not a valid date.": _l("日期格式无效，应为 YYYY-MM-DD。"),
    "Not a valid datetime.": _l("时间格式无效，应为 ISO 8601（如 2026-01-05T09:30:00+08:00）。"),
    "Not a valid time.": _l("时间格式无效。"),
    "Not a valid mapping type.": _l("应为 JSON 对象。"),
    "Not a valid email address.": _l("电子邮箱地址无效。"),
    "Not a valid URL.": _l("网址无效。"),
    "Not a valid UUID.": _l("UUID 无效。"),
    "Special numeric values (nan or infinity) are not permitted.": _l("不允许 NaN 或无穷大。"),
    "String does not match expected pattern.": _l("格式不符合要求。"),
    "Must be one of: {choices}.": _l("必须是以下之一：{choices}。"),
    "One or more of the choices you made was not in: {choices}.":
        _l("含有不允许的选项，可选：{choices}。"),
    "Must be equal to {other}.": _l("必须等于 {other}。"),
    "Shorter than minimum length {min}.": _l("长度不能少于 {min}。"),
    "Longer than maximum length {max}.": _l("长度不能超过 {max}。"),
    "Length must be between {min} and {max}.": _l("长度须在 {min} 到 {max} 之间。"),
    "Length must be {equal}.": _l("长度须为 {equal}。"),
    "Must be greater than or equal to {min}.": _l("不能小于 {min}。"),
    "Must be greater than {min}.": _l("必须大于 {min}。"),
    "Must be less than or equal to {max}.": _l("不能大于 {max}。"),
    "Must be less than {max}.": _l("必须小于 {max}。"),
    "Must be greater than or equal to {min} and less than or equal to {max}.":
        _l("须在 {min} 到 {max} 之间。"),
    "Invalid JSON body.": _l("请求体不是有效的 JSON。"),
}


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    compiled = []
    for template in LIBRARY_MESSAGES:
        if "{" not in template:
            continue
        parts = re.split(r"\{(\w+)\}", template)
        regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                        for i, p in enumerate(parts))
        compiled.append((re.compile(f"^{regex}$"), template))
    return compiled


def translate_message(message: Any) -> str:
    text = str(message)
    if text in LIBRARY_MESSAGES:
        return str(LIBRARY_MESSAGES[text])
    for pattern, template in _patterns():
        match = pattern.match(text)
        if match:
            return str(LIBRARY_MESSAGES[template]).format(**match.groupdict())
    return gettext(text) if text else text


def translate_errors(errors: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {field: [translate_message(m) for m in msgs] for field, msgs in errors.items()}


class Schema(ma.Schema):
    """Base for every schema: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class VersionedSchema(Schema):
    """An edit of a mutable resource: the client names the version it edited."""

    version = ma.fields.Integer(required=True)


class LocalDateTime(ma.fields.DateTime):
    """A timestamp dumped in ISO 8601 with the bureau's offset (+08:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None or isinstance(value, str):
            return value  # already serialised (a view that dumps, then the response schema)
        from enforcement.core import clock

        return value.astimezone(clock.local_zone()).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        """A timestamp without an offset is read in the bureau's time zone."""
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            from enforcement.core import clock

            moment = moment.replace(tzinfo=clock.local_zone())
        return moment

from __future__ import annotations

from marshmallow import fields, validate

from enforcement.core.schemas import LocalDateTime, Schema


class FileSchema(Schema):
    id = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    filename = fields.String()
    uploaded_at = LocalDateTime()


class UploadSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class JobSchema(Schema):
    id = fields.String()
    name = fields.String()
    state = fields.String()
    progress = fields.Float()
    message = fields.String(allow_none=True)
    result = fields.Raw()
    error = fields.String()
    created_at = LocalDateTime()
    finished_at = LocalDateTime(allow_none=True)


class CalendarQuerySchema(Schema):
    start = fields.Date(required=True)
    workdays = fields.Integer(validate=validate.Range(min=0, max=5000))
    days = fields.Integer(validate=validate.Range(min=0, max=5000))
    months = fields.Integer(validate=validate.Range(min=0, max=240))


class CalendarAnswerSchema(Schema):
    start = fields.Date()
    due_on = fields.Date()
    rule = fields.String()
    provisional = fields.Boolean()
    years_without_data = fields.List(fields.Integer())


class CalendarYearSchema(Schema):
    year = fields.Integer()
    official = fields.Boolean()
    source = fields.String()
    legal_workdays = fields.Integer()
    provisional = fields.Boolean()
    days = fields.List(fields.Dict())


class CalendarEntrySchema(Schema):
    entries = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    source = fields.String(load_default="", validate=validate.Length(max=200))

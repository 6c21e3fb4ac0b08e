from __future__ import annotations

from marshmallow import fields, validate

from enforcement.core.schemas import LocalDateTime, Schema


class EventQuerySchema(Schema):
    actor = fields.String(validate=validate.Length(max=64))
    object_type = fields.String(validate=validate.Length(max=64))
    object_id = fields.String(validate=validate.Length(max=64))
    action = fields.String(validate=validate.Length(max=64))
    success = fields.Boolean()
    date_from = fields.Date()
    date_to = fields.Date()


class EventSchema(Schema):
    id = fields.Integer()
    seq = fields.Integer()
    created_at = LocalDateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    ip = fields.String(allow_none=True)
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    action = fields.String()
    success = fields.Boolean()
    changes = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class ChainStatusSchema(Schema):
    ok = fields.Boolean()
    count = fields.Integer()
    broken_seq = fields.Integer(allow_none=True)
    broken_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)

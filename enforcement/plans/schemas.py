from __future__ import annotations

from marshmallow import fields, validate

from enforcement.core.schemas import LocalDateTime, Schema

_days = fields.Dict(keys=fields.String(), values=fields.Float(validate=validate.Range(min=0)))


class CampaignSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    feature = fields.String(required=True, validate=validate.Length(min=1, max=40))
    limit = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))


class PlanCreateSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2004, max=2100))
    seed = fields.Integer(load_default=None, allow_none=True,
                          validate=validate.Range(min=0, max=2**63 - 1))
    officer_ids = fields.List(fields.Integer(), load_default=None, allow_none=True)
    other_enforcement_days = _days
    non_enforcement_days = _days
    officer_days_per_inspection = fields.Float(load_default=None, allow_none=True)
    reserve_ratio = fields.Float(load_default=None, allow_none=True)
    random_ratio_min = fields.Float(load_default=None, allow_none=True)
    campaigns = fields.List(fields.Nested(CampaignSchema), load_default=list)


class PlanSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    seed = fields.Integer()
    state = fields.String()
    version = fields.Integer()
    ruleset = fields.String()
    provisional = fields.Boolean()
    capacity = fields.Dict()
    summary = fields.Dict()
    shortfall = fields.Dict()
    allocation = fields.Dict()
    officer_load = fields.Dict()
    random_pool_ids = fields.List(fields.Integer())
    notes = fields.List(fields.String())
    return_opinion = fields.String(allow_none=True)
    created_at = LocalDateTime()
    allowed_actions = fields.List(fields.String())


class PlanTaskSchema(Schema):
    id = fields.Integer()
    enterprise_id = fields.Integer()
    month = fields.Integer()
    kind = fields.String()
    reason = fields.String()
    officer_ids = fields.List(fields.Integer())
    expert_needs = fields.List(fields.String())
    covered = fields.Boolean()
    state = fields.String()


class PlanActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ["submit", "return", "approve", "publish"]))
    version = fields.Integer(required=True)
    opinion = fields.String(validate=validate.Length(max=1000))


class PlanQuerySchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2004, max=2100))


class TaskQuerySchema(Schema):
    month = fields.Integer(validate=validate.Range(min=1, max=12))


class TaskChangeSchema(Schema):
    task_id = fields.Integer()
    enterprise_id = fields.Integer()
    month = fields.Integer()
    officer_ids = fields.List(fields.Integer())
    cancel = fields.Boolean(load_default=False)


class AmendmentCreateSchema(Schema):
    version = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    changes = fields.List(fields.Nested(TaskChangeSchema), required=True)


class AmendmentSchema(Schema):
    id = fields.Integer()
    reason = fields.String()
    changes = fields.List(fields.Dict())
    made_by = fields.Integer(allow_none=True)
    made_at = LocalDateTime()


class ExecutionSchema(Schema):
    by_month = fields.Dict(keys=fields.Integer(), values=fields.Dict())
    coverage = fields.Dict()
    planned = fields.Integer()
    done = fields.Integer()
    in_progress = fields.Integer()
    overdue = fields.Integer()

from __future__ import annotations

from marshmallow import fields, validate

from enforcement.core.schemas import LocalDateTime, Schema, VersionedSchema

_phrase = fields.String(validate=validate.Length(min=1, max=60))


class PeriodSchema(Schema):
    from_ = fields.Date(required=True, data_key="from", attribute="from")
    to = fields.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=100))


class _ExpertFields(Schema):
    name = fields.String(validate=validate.Length(min=1, max=60))
    title = fields.String(allow_none=True, validate=validate.Length(max=60))
    employer = fields.String(allow_none=True, validate=validate.Length(max=200))
    employer_uscc = fields.String(allow_none=True, validate=validate.Length(max=40))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    skills = fields.List(_phrase, validate=validate.Length(max=30))
    groups = fields.List(_phrase, validate=validate.Length(max=10))
    qualifications = fields.List(_phrase, validate=validate.Length(max=20))
    available = fields.Boolean()
    unavailable_periods = fields.List(fields.Nested(PeriodSchema), validate=validate.Length(max=50))
    user_id = fields.Integer(allow_none=True)


class ExpertCreateSchema(_ExpertFields):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    skills = fields.List(_phrase, required=True, validate=validate.Length(min=1, max=30))


class ExpertPatchSchema(VersionedSchema, _ExpertFields):
    pass


class ExpertSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    employer = fields.String(allow_none=True)
    employer_uscc = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    skills = fields.List(fields.String())
    groups = fields.List(fields.String())
    qualifications = fields.List(fields.String())
    available = fields.Boolean()
    unavailable_periods = fields.List(fields.Dict())
    rating = fields.Float(allow_none=True)
    version = fields.Integer()


class ExpertBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    employer = fields.String(allow_none=True)


class MatchSchema(Schema):
    skill = fields.String()
    term = fields.String()
    score = fields.Float()


class SearchResultSchema(Schema):
    expert = fields.Nested(ExpertBriefSchema)
    score = fields.Float()
    matched = fields.List(fields.Nested(MatchSchema))
    excluded = fields.Boolean()
    reasons = fields.List(fields.String())


class SearchQuerySchema(Schema):
    q = fields.String(load_default=None)
    enterprise_id = fields.Integer()
    on = fields.Date()
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    include_excluded = fields.Boolean(load_default=False)


class ExpertQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=60))
    group = fields.String(validate=validate.Length(max=60))


class AssignmentCreateSchema(Schema):
    expert_id = fields.Integer()
    auto = fields.Boolean(load_default=False)
    enterprise_id = fields.Integer()
    task_id = fields.Integer()
    case_id = fields.Integer()
    respond_by = fields.AwareDateTime(load_default=None, allow_none=True)
    purpose = fields.String(load_default="", validate=validate.Length(max=200))
    seed = fields.Integer(allow_none=True)


class AssignmentActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ["accept", "decline", "withdraw", "submit_opinion", "rate"]))
    version = fields.Integer(required=True)
    reason = fields.String(validate=validate.Length(max=500))
    conflict = fields.Boolean(load_default=False)
    opinion = fields.String(validate=validate.Length(max=20000))
    file_ids = fields.List(fields.Integer(), load_default=list)
    rating = fields.Integer()
    note = fields.String(validate=validate.Length(max=500))


class AssignmentSchema(Schema):
    id = fields.Integer()
    expert = fields.Nested(ExpertBriefSchema)
    enterprise_id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    purpose = fields.String()
    state = fields.String()
    respond_by = LocalDateTime()
    responded_at = LocalDateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)
    declined_for_conflict = fields.Boolean()
    auto = fields.Boolean()
    needs = fields.List(fields.String())
    match_score = fields.Float(allow_none=True)
    matched = fields.List(fields.Dict())
    previous_id = fields.Integer(allow_none=True)
    opinion = fields.String(allow_none=True)
    opinion_file_ids = fields.List(fields.Integer())
    rating = fields.Integer(allow_none=True)
    version = fields.Integer()
    allowed_actions = fields.List(fields.String())
    next_assignment_id = fields.Integer(allow_none=True)


class EngagementSchema(Schema):
    id = fields.Integer(dump_only=True)
    enterprise_uscc = fields.String(required=True, validate=validate.Length(min=1, max=40))
    enterprise_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=8))
    by_employer = fields.Boolean(load_default=False)
    start_on = fields.Date(required=True)
    end_on = fields.Date(load_default=None, allow_none=True)


class RelationSchema(Schema):
    id = fields.Integer(dump_only=True)
    enterprise_uscc = fields.String(required=True, validate=validate.Length(min=1, max=40))
    relation = fields.String(required=True, validate=validate.Length(min=1, max=200))
    declared_on = fields.Date(dump_only=True)

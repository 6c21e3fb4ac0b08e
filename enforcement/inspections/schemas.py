"""Marshmallow schemas of the inspection API (API.md "Inspections")."""

from __future__ import annotations

from marshmallow import fields, validate

from enforcement.core.schemas import LocalDateTime, Schema
from enforcement.inspections.models import LEAD_SOURCES, LEAD_STATES, MEASURES

_ids = fields.List(fields.Integer(validate=validate.Range(min=1)))
_key = fields.String(validate=validate.Length(min=8, max=64), load_default=None)


class RepresentativeSchema(Schema):
    name = fields.String(validate=validate.Length(max=50))
    title = fields.String(validate=validate.Length(max=50))
    phone = fields.String(validate=validate.Length(max=30))
    gender = fields.String(validate=validate.Length(max=4))
    id_number = fields.String(validate=validate.Length(max=18))


class InspectionCreateSchema(Schema):
    enterprise_id = fields.Integer(load_default=None)
    task_id = fields.Integer(load_default=None)
    lead_id = fields.Integer(load_default=None)
    reason = fields.String(validate=validate.Length(max=500), load_default=None)
    purpose = fields.String(validate=validate.Length(max=500), load_default=None)
    officer_ids = fields.List(fields.Integer(), required=True)
    expert_ids = fields.List(fields.Integer(), load_default=list)
    started_at = LocalDateTime(load_default=None)
    address = fields.String(validate=validate.Length(max=300), load_default=None)
    place = fields.String(validate=validate.Length(max=300), load_default=None)
    representative = fields.Nested(RepresentativeSchema, load_default=None)
    client_key = _key


class InspectionPatchSchema(Schema):
    version = fields.Integer(required=True)
    purpose = fields.String(validate=validate.Length(max=500))
    address = fields.String(validate=validate.Length(max=300))
    place = fields.String(validate=validate.Length(max=300))
    findings = fields.String(validate=validate.Length(max=20000))
    representative = fields.Nested(RepresentativeSchema)


class ItemSchema(Schema):
    code = fields.String()
    group = fields.String()
    text = fields.String()
    basis = fields.String()
    major_hazard_clause = fields.String(allow_none=True)
    violation_code = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    note = fields.String()
    file_ids = fields.List(fields.Integer())


class ItemAnswerSchema(Schema):
    result = fields.String(required=True, validate=validate.OneOf(["pass", "fail", "na"]))
    note = fields.String(validate=validate.Length(max=2000), load_default=None)
    file_ids = fields.List(fields.Integer(), load_default=None)
    # for a failed item: the hazard it becomes
    description = fields.String(validate=validate.Length(max=2000), load_default=None)
    rectify_by = fields.Date(load_default=None)
    measures = fields.List(fields.String(validate=validate.OneOf(MEASURES)), load_default=None)
    measures_note = fields.String(validate=validate.Length(max=1000), load_default=None)


class HazardCreateSchema(Schema):
    item_code = fields.String(validate=validate.Length(max=20), load_default=None)
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    major = fields.Boolean(load_default=False)
    major_hazard_clause = fields.String(validate=validate.Length(max=100), load_default=None)
    basis = fields.String(validate=validate.Length(max=300), load_default=None)
    violation_code = fields.String(validate=validate.Length(max=20), load_default=None)
    rectify_by = fields.Date(required=True)
    measures = fields.List(fields.String(validate=validate.OneOf(MEASURES)), load_default=None)
    measures_note = fields.String(validate=validate.Length(max=1000), load_default=None)
    file_ids = _ids
    client_key = _key


class HazardSchema(Schema):
    id = fields.Integer()
    inspection_id = fields.Integer()
    enterprise_id = fields.Integer()
    seq = fields.Integer()
    item_code = fields.String(allow_none=True)
    description = fields.String()
    major = fields.Boolean()
    major_hazard_clause = fields.String(allow_none=True)
    basis = fields.String(allow_none=True)
    violation_code = fields.String(allow_none=True)
    rectify_by = fields.Date()
    measures = fields.List(fields.String())
    measures_note = fields.String()
    file_ids = fields.List(fields.Integer())
    state = fields.String()
    due_status = fields.String()
    reviewed_on = fields.Date(allow_none=True)
    review_note = fields.String()
    review_file_ids = fields.List(fields.Integer())
    review_officer_ids = fields.List(fields.Integer())
    resume_approved = fields.Boolean()
    lead_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    allowed_actions = fields.List(fields.String())


class SignatureSchema(Schema):
    role = fields.String()
    name = fields.String()
    user_id = fields.Integer()
    expert_id = fields.Integer()
    certificate_no = fields.String()
    refused = fields.Boolean()
    refusal_note = fields.String()
    file_id = fields.Integer()
    sha256 = fields.String()
    signed_at = fields.String()


class SignatureCreateSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(
        ["officer", "expert", "representative", "witness"]))
    user_id = fields.Integer(load_default=None)
    expert_id = fields.Integer(load_default=None)
    name = fields.String(validate=validate.Length(max=50), load_default=None)
    refused = fields.Boolean(load_default=False)
    refusal_note = fields.String(validate=validate.Length(max=500), load_default=None)
    image = fields.String(validate=validate.Length(max=800_000), load_default=None)
    file_id = fields.Integer(load_default=None)


class ProposalSchema(Schema):
    lead_id = fields.Integer(attribute="id")
    state = fields.String()
    case_draft = fields.Dict(allow_none=True)
    case_id = fields.Integer(allow_none=True)


class InspectionSchema(Schema):
    id = fields.Integer()
    enterprise_id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    lead_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    purpose = fields.String()
    state = fields.String()
    version = fields.Integer()
    officer_ids = fields.List(fields.Integer())
    expert_ids = fields.List(fields.Integer())
    started_at = LocalDateTime()
    ended_at = LocalDateTime(allow_none=True)
    address = fields.String()
    place = fields.String()
    representative = fields.Dict()
    findings = fields.String()
    checklist = fields.String()
    items = fields.List(fields.Nested(ItemSchema))
    hazards = fields.List(fields.Nested(HazardSchema))
    signatures = fields.List(fields.Nested(SignatureSchema))
    case_proposals = fields.List(fields.Nested(ProposalSchema))
    allowed_actions = fields.List(fields.String())


class InspectionQuerySchema(Schema):
    mine = fields.Boolean(load_default=False)
    enterprise_id = fields.Integer()
    task_id = fields.Integer()
    state = fields.String(validate=validate.OneOf(["in_progress", "completed"]))
    on = fields.Date()


class InspectionActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["complete", "open_case"]))
    version = fields.Integer(required=True)
    ended_at = LocalDateTime(load_default=None)
    hazard_ids = fields.List(fields.Integer(), load_default=None)
    facts = fields.String(validate=validate.Length(max=5000), load_default=None)


class InspectionAmendmentCreateSchema(Schema):
    version = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    changes = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class InspectionAmendmentSchema(Schema):
    id = fields.Integer()
    reason = fields.String()
    changes = fields.List(fields.Dict())
    made_by = fields.Integer(allow_none=True)
    made_at = LocalDateTime()


class HazardQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(["open", "rectified", "not_rectified"]))
    due = fields.String(validate=validate.OneOf(["overdue", "soon"]))
    enterprise_id = fields.Integer()
    mine = fields.Boolean(load_default=False)


class HazardActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ["review_rectified", "review_not_rectified"]))
    version = fields.Integer(required=True)
    note = fields.String(validate=validate.Length(max=2000), load_default=None)
    file_ids = fields.List(fields.Integer(), load_default=None)
    reviewed_on = fields.Date(load_default=None)
    officer_ids = fields.List(fields.Integer(), load_default=None)


class LeadCreateSchema(Schema):
    source = fields.String(required=True, validate=validate.OneOf(
        [s for s in LEAD_SOURCES if s != "inspection"]))
    enterprise_id = fields.Integer(load_default=None)
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    details = fields.String(validate=validate.Length(max=20000), load_default="")
    reporter = fields.String(validate=validate.Length(max=200), load_default="")
    reporter_contact = fields.String(validate=validate.Length(max=100), load_default="")
    received_at = LocalDateTime(load_default=None)
    file_ids = _ids
    client_key = _key


class LeadSchema(Schema):
    id = fields.Integer()
    source = fields.String()
    state = fields.String()
    enterprise_id = fields.Integer(allow_none=True)
    subject = fields.String()
    details = fields.String()
    reporter = fields.String()
    reporter_contact = fields.String()
    received_at = LocalDateTime()
    file_ids = fields.List(fields.Integer())
    inspection_id = fields.Integer(allow_none=True)
    hazard_ids = fields.List(fields.Integer())
    case_draft = fields.Dict(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    dismiss_reason = fields.String(allow_none=True)
    triaged_at = LocalDateTime(allow_none=True)
    version = fields.Integer()
    allowed_actions = fields.List(fields.String())


class LeadQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(LEAD_STATES))
    source = fields.String(validate=validate.OneOf(LEAD_SOURCES))


class LeadActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ["dismiss", "inspect", "open_case"]))
    version = fields.Integer(required=True)
    reason = fields.String(validate=validate.Length(max=1000), load_default=None)
    facts = fields.String(validate=validate.Length(max=20000), load_default=None)
    violation_codes = fields.List(fields.String(validate=validate.Length(max=20)),
                                  load_default=None)
    discovered_on = fields.Date(load_default=None)

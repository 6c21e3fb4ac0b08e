"""Marshmallow schemas of the case API (API.md "Cases")."""

from __future__ import annotations

from marshmallow import fields, validate

from enforcement.cases.models import EVIDENCE_KINDS, PROCEDURES, SOURCES
from enforcement.cases.workflow import ACTIONS, STATES
from enforcement.core.schemas import LocalDateTime, Schema

_money = fields.Decimal(places=2, as_string=True, allow_none=True,
                        validate=validate.Range(min=0))
_text = fields.String(validate=validate.Length(max=5000), load_default=None)


class PersonSchema(Schema):
    kind = fields.String(validate=validate.OneOf(["individual", "unit"]),
                         load_default="individual")
    name = fields.String(validate=validate.Length(max=60), load_default=None)
    id_number = fields.String(validate=validate.Length(max=30), load_default=None)
    address = fields.String(validate=validate.Length(max=300), load_default=None)
    phone = fields.String(validate=validate.Length(max=40), load_default=None)
    employer = fields.String(validate=validate.Length(max=200), load_default=None)
    position = fields.String(validate=validate.Length(max=60), load_default=None)


class CaseCreateSchema(Schema):
    enterprise_id = fields.Integer(load_default=None)
    party = fields.Nested(PersonSchema, load_default=None)
    procedure = fields.String(validate=validate.OneOf(PROCEDURES), load_default="general")
    source = fields.String(validate=validate.OneOf(SOURCES), load_default=None)
    inspection_id = fields.Integer(load_default=None)
    lead_id = fields.Integer(load_default=None)
    facts = fields.String(validate=validate.Length(max=20000), load_default=None)
    violation_codes = fields.List(fields.String(validate=validate.Length(max=20)),
                                  load_default=list)
    discovered_on = fields.Date(load_default=None)
    filed_on = fields.Date(load_default=None)
    officer_ids = fields.List(fields.Integer(), load_default=None)
    evidence_file_ids = fields.List(fields.Integer(), load_default=None)
    hazard_ids = fields.List(fields.Integer(), load_default=None)


class CaseFromLeadSchema(Schema):
    lead_id = fields.Integer(required=True)
    officer_ids = fields.List(fields.Integer(), load_default=None)


class CaseQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(list(STATES)))
    overdue = fields.Boolean()
    q = fields.String(validate=validate.Length(max=100))
    mine = fields.Boolean()


class PenaltyItemSchema(Schema):
    violation_code = fields.String(required=True, validate=validate.Length(max=20))
    fine = _money
    circumstances = fields.List(fields.String(), load_default=list)
    reason = fields.String(validate=validate.Length(max=2000), load_default=None)


class ProposedPenaltySchema(Schema):
    violation_codes = fields.List(fields.String(), load_default=None)
    fine = _money
    items = fields.List(fields.Nested(PenaltyItemSchema), load_default=None)
    other = fields.List(fields.String(), load_default=list)
    circumstances = fields.List(fields.String(), load_default=list)
    reason = fields.String(validate=validate.Length(max=2000), load_default=None)
    flags = fields.List(fields.String(), load_default=list)
    summary = fields.String(validate=validate.Length(max=5000), load_default=None)
    same_act = fields.Boolean(load_default=False)   # one act under several provisions (第二十九条)


class SummaryPenaltySchema(Schema):
    fine = _money
    other = fields.List(fields.String(), load_default=list)


class PointSchema(Schema):
    ok = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=1000), load_default="")


class CaseActionSchema(Schema):
    """One schema for every action; the workflow table says which fields each requires."""

    action = fields.String(required=True, validate=validate.OneOf([a.name for a in ACTIONS]))
    version = fields.Integer(required=True)
    # dates of the events (default today; may be given for events recorded after the fact)
    filed_on = fields.Date(load_default=None)
    served_on = fields.Date(load_default=None)
    statement_on = fields.Date(load_default=None)
    waived_on = fields.Date(load_default=None)
    requested_on = fields.Date(load_default=None)
    notified_on = fields.Date(load_default=None)
    hearing_on = fields.Date(load_default=None)
    held_on = fields.Date(load_default=None)
    decided_on = fields.Date(load_default=None)
    paid_on = fields.Date(load_default=None)
    due_on = fields.Date(load_default=None)
    applied_on = fields.Date(load_default=None)
    closed_on = fields.Date(load_default=None)
    transferred_on = fields.Date(load_default=None)
    appealed_on = fields.Date(load_default=None)
    ended_on = fields.Date(load_default=None)
    appeal_kind = fields.String(validate=validate.OneOf(("reconsideration", "litigation")),
                                load_default=None)
    # contents
    opinion = _text
    reason = _text
    statement = fields.String(validate=validate.Length(max=20000), load_default=None)
    adopted = fields.Boolean(load_default=None)
    note = _text
    proposed_penalty = fields.Nested(ProposedPenaltySchema, load_default=None)
    penalty = fields.Nested(SummaryPenaltySchema, load_default=None)
    fine = _money
    other = fields.List(fields.String(), load_default=None)
    publish = fields.Boolean(load_default=None)
    method = fields.String(validate=validate.Length(max=20), load_default=None)
    consent = fields.Boolean(load_default=None)
    receiver = fields.String(validate=validate.Length(max=60), load_default=None)
    amount = _money
    receipt = fields.String(validate=validate.Length(max=100), load_default=None)
    instalments = fields.List(fields.Dict(), load_default=None)
    place = fields.String(validate=validate.Length(max=300), load_default=None)
    chair = fields.String(validate=validate.Length(max=60), load_default=None)
    chair_id = fields.Integer(validate=validate.Range(min=1), load_default=None)
    record = fields.String(validate=validate.Length(max=50000), load_default=None)
    report = fields.String(validate=validate.Length(max=20000), load_default=None)
    absent = fields.Boolean(load_default=None)
    points = fields.Dict(keys=fields.String(), values=fields.Nested(PointSchema),
                         load_default=None)
    conclusion = _text
    participants = fields.String(validate=validate.Length(max=1000), load_default=None)
    court = fields.String(validate=validate.Length(max=200), load_default=None)
    summary = _text
    archive_no = fields.String(validate=validate.Length(max=60), load_default=None)
    ground = fields.String(load_default=None)
    education = _text
    pledge_file_ids = fields.List(fields.Integer(), load_default=None)
    agency = fields.String(validate=validate.Length(max=200), load_default=None)
    criminal = fields.Boolean(load_default=None)
    days = fields.Integer(load_default=None)


class TeamSchema(Schema):
    version = fields.Integer(required=True)
    officer_ids = fields.List(fields.Integer(), required=True)


class DeadlineSchema(Schema):
    kind = fields.String()
    label = fields.String()
    due_on = fields.String()
    basis = fields.String()
    owner = fields.String()
    status = fields.String()
    provisional = fields.Boolean()
    start_event = fields.String()
    start_on = fields.String()
    done_on = fields.String(allow_none=True)
    earliest_on = fields.String(allow_none=True)


class TimelineSchema(Schema):
    seq = fields.Integer()
    action = fields.String()
    label = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String(allow_none=True)
    at = LocalDateTime()
    on = fields.Date(allow_none=True)
    payload = fields.Dict()


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()
    procedure = fields.String()
    source = fields.String()
    title = fields.String()
    party = fields.Dict()
    enterprise_id = fields.Integer(allow_none=True)
    inspection_id = fields.Integer(allow_none=True)
    lead_id = fields.Integer(allow_none=True)
    officer_ids = fields.List(fields.Integer())
    facts = fields.String()
    violation_codes = fields.List(fields.String())
    violations = fields.List(fields.Dict())
    discovered_on = fields.Date()
    filed_on = fields.Date(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    dates = fields.Dict()
    proposed_penalty = fields.Dict(allow_none=True)
    decision = fields.Dict(allow_none=True)
    fine = _money
    paid = _money
    owed = _money
    surcharge = _money
    hearing_right = fields.Boolean()
    flags = fields.List(fields.String())
    legal_review_required = fields.Boolean()
    legal_review_reasons = fields.List(fields.String())
    discussion_reasons = fields.List(fields.String())
    decision_extensions = fields.List(fields.Dict())
    # the party's 行政复议 / 行政诉讼: {"kind", "from", "to" (null while under way), "agency",
    # "note", "outcome"}
    appeals = fields.List(fields.Dict())
    outcome = fields.Dict()
    allowed_actions = fields.List(fields.String())
    blocked_actions = fields.List(fields.Dict())
    deadlines = fields.List(fields.Nested(DeadlineSchema))
    timeline = fields.List(fields.Nested(TimelineSchema))
    publication = fields.Dict(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class EvidenceCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(EVIDENCE_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=2000), load_default=None)
    file_ids = fields.List(fields.Integer(), load_default=list)
    collector_ids = fields.List(fields.Integer(), load_default=None)
    collected_on = fields.Date(load_default=None)
    place = fields.String(validate=validate.Length(max=300), load_default=None)


class EvidenceSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    file_ids = fields.List(fields.Integer())
    collector_ids = fields.List(fields.Integer())
    collected_on = fields.Date()
    place = fields.String()
    created_at = LocalDateTime()


class QASchema(Schema):
    q = fields.String(validate=validate.Length(max=5000), load_default="")
    a = fields.String(validate=validate.Length(max=5000), load_default="")


class IntervieweeSchema(Schema):
    name = fields.String(validate=validate.Length(max=60), load_default=None)
    role = fields.String(validate=validate.Length(max=60), load_default=None)
    phone = fields.String(validate=validate.Length(max=40), load_default=None)
    id_number = fields.String(validate=validate.Length(max=30), load_default=None)


class InterviewCreateSchema(Schema):
    interviewee = fields.Nested(IntervieweeSchema, required=True)
    place = fields.String(validate=validate.Length(max=300), load_default=None)
    started_at = LocalDateTime(load_default=None)
    ended_at = LocalDateTime(load_default=None)
    officer_ids = fields.List(fields.Integer(), load_default=None)
    qa = fields.List(fields.Nested(QASchema), load_default=list)


class InterviewSchema(Schema):
    id = fields.Integer()
    interviewee = fields.Dict()
    place = fields.String()
    started_at = LocalDateTime()
    ended_at = LocalDateTime()
    officer_ids = fields.List(fields.Integer())
    qa = fields.List(fields.Dict())


class ReviewSchema(Schema):
    id = fields.Integer()
    reviewer_id = fields.Integer()
    at = LocalDateTime()
    result = fields.String()
    points = fields.Dict()
    opinion = fields.String()
    checks = fields.List(fields.Dict())
    reasons = fields.List(fields.String())


class SuggestionQuerySchema(Schema):
    violation_code = fields.String(required=True, validate=validate.Length(max=20))
    party_kind = fields.String(validate=validate.OneOf(["unit", "individual"]),
                               load_default="unit")
    circumstances = fields.List(fields.String(), load_default=list)
    on = fields.Date(load_default=None)


class ViolationQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=100))


class WithdrawSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PublicationSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    content = fields.Dict()
    published_on = fields.Date()
    withdraw_by = fields.Date(allow_none=True)
    withdrawn_on = fields.Date(allow_none=True)
    withdraw_reason = fields.String(allow_none=True)

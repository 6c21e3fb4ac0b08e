"""REST: on-site inspections, hazards and re-checks, leads (API.md "Inspections").

A phone that lost its connection resends: ``client_key`` in the body, or an ``Idempotency-Key``
header, makes creating a record, a hazard or a lead happen once.
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_login import current_user

from enforcement.core.api import ApiBlueprint, paginate_select
from enforcement.core.permissions import P, require
from enforcement.inspections import schemas as s
from enforcement.inspections import service

blp = ApiBlueprint("inspections_api", __name__, url_prefix="/api/v1",
                   description="现场检查、隐患整改与线索 On-site inspections, hazards, leads")


def _key(data: dict) -> dict:
    header = request.headers.get("Idempotency-Key")
    if header and not data.get("client_key"):
        data["client_key"] = header.strip()[:64]
    return data


def dump_inspection(inspection):
    """The record with what the caller may do now (transient attributes the schema reads)."""
    for hazard in inspection.hazards:
        dump_hazard(hazard)
    inspection.case_proposals = service.proposals_of(inspection)
    inspection.allowed_actions = service.allowed_actions(inspection, current_user)
    return inspection


def dump_hazard(hazard):
    hazard.due_status = service.due_status(hazard)
    hazard.allowed_actions = service.hazard_allowed_actions(hazard, current_user)
    return hazard


def dump_lead(lead):
    lead.allowed_actions = service.lead_allowed_actions(lead, current_user)
    return lead


@blp.route("/inspections")
class Inspections(MethodView):
    @require(P.INSPECTIONS_READ)
    @blp.arguments(s.InspectionQuerySchema, location="query")
    @blp.response(200, s.InspectionSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        filters = service.Filters(officer_id=current_user.id if query.get("mine") else None,
                                  enterprise_id=query.get("enterprise_id"),
                                  state=query.get("state"), task_id=query.get("task_id"),
                                  on=query.get("on"))
        return [dump_inspection(i) for i in paginate_select(service.list_inspections(filters),
                                                            pagination_parameters)]

    @require(P.INSPECTIONS_RECORD)
    @blp.arguments(s.InspectionCreateSchema)
    @blp.response(201, s.InspectionSchema)
    def post(self, data):
        """Start a record from a plan task, a lead, or ad hoc (``reason`` required); the
        checklist is chosen from the enterprise's sector and features."""
        return dump_inspection(service.start(_key(data), current_user))


@blp.route("/inspections/<int:inspection_id>")
class InspectionItem(MethodView):
    @require(P.INSPECTIONS_READ)
    @blp.response(200, s.InspectionSchema)
    def get(self, inspection_id):
        return dump_inspection(service.get_inspection(inspection_id))

    @require(P.INSPECTIONS_RECORD)
    @blp.arguments(s.InspectionPatchSchema)
    @blp.response(200, s.InspectionSchema)
    def patch(self, data, inspection_id):
        """Place, address, purpose, representative, free findings — while in progress."""
        inspection = service.get_inspection(inspection_id)
        version = data.pop("version")
        return dump_inspection(service.update_header(inspection, version, data, current_user))


@blp.route("/inspections/<int:inspection_id>/items/<code>")
class InspectionAnswer(MethodView):
    @require(P.INSPECTIONS_RECORD)
    @blp.arguments(s.ItemAnswerSchema)
    @blp.response(200, s.ItemSchema)
    def put(self, data, inspection_id, code):
        """pass / fail / na with note and evidence; ``fail`` records the hazard (deadline
        ``rectify_by``, default from the rules)."""
        return service.answer(service.get_inspection(inspection_id), code, data, current_user)


@blp.route("/inspections/<int:inspection_id>/hazards")
class InspectionHazards(MethodView):
    @require(P.INSPECTIONS_RECORD)
    @blp.arguments(s.HazardCreateSchema)
    @blp.response(201, s.HazardSchema)
    def post(self, data, inspection_id):
        inspection = service.get_inspection(inspection_id)
        return dump_hazard(service.add_hazard(inspection, _key(data), current_user))


@blp.route("/inspections/<int:inspection_id>/signatures")
class InspectionSignatures(MethodView):
    @require(P.INSPECTIONS_RECORD)
    @blp.arguments(s.SignatureCreateSchema)
    @blp.response(201, s.SignatureSchema)
    def post(self, data, inspection_id):
        """A signature captured on screen (``image``: a PNG data URL) or an uploaded image
        (``file_id``); a representative who refuses: ``refused`` with a note, then a witness."""
        return service.sign(service.get_inspection(inspection_id), data, current_user)


@blp.route("/inspections/<int:inspection_id>/actions")
class InspectionActions(MethodView):
    @require(P.INSPECTIONS_RECORD, P.LEADS_MANAGE)
    @blp.arguments(s.InspectionActionSchema)
    @blp.response(200, s.InspectionSchema)
    def post(self, data, inspection_id):
        """``complete`` locks the record; ``open_case`` proposes a case (a lead in state
        ``case_proposed`` carrying the case draft) from its hazards."""
        inspection = service.get_inspection(inspection_id)
        if data["action"] == "complete":
            service.complete(inspection, data["version"], current_user, data.get("ended_at"))
        else:
            service.open_case(inspection, data["version"], current_user,
                              data.get("hazard_ids"), data.get("facts"))
        return dump_inspection(inspection)


@blp.route("/inspections/<int:inspection_id>/amendments")
class InspectionAmendments(MethodView):
    @require(P.INSPECTIONS_READ)
    @blp.response(200, s.InspectionAmendmentSchema(many=True))
    def get(self, inspection_id):
        return service.amendments_of(service.get_inspection(inspection_id))

    @require(P.INSPECTIONS_RECORD, P.PLANS_APPROVE)
    @blp.arguments(s.InspectionAmendmentCreateSchema)
    @blp.response(201, s.InspectionAmendmentSchema)
    def post(self, data, inspection_id):
        """更正 a completed record: ``changes`` maps place/address/purpose/findings or
        ``item:<code>`` to the corrected text."""
        return service.amend(service.get_inspection(inspection_id), data["version"],
                             data["reason"], data["changes"], current_user)


@blp.route("/hazards")
class Hazards(MethodView):
    @require(P.INSPECTIONS_READ)
    @blp.arguments(s.HazardQuerySchema, location="query")
    @blp.response(200, s.HazardSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        stmt = service.hazards_query(state=query.get("state"), due=query.get("due"),
                                     enterprise_id=query.get("enterprise_id"),
                                     officer_id=current_user.id if query.get("mine") else None)
        return [dump_hazard(h) for h in paginate_select(stmt, pagination_parameters)]


@blp.route("/hazards/<int:hazard_id>")
class HazardItem(MethodView):
    @require(P.INSPECTIONS_READ)
    @blp.response(200, s.HazardSchema)
    def get(self, hazard_id):
        return dump_hazard(service.get_hazard(hazard_id))


@blp.route("/hazards/<int:hazard_id>/actions")
class HazardActions(MethodView):
    @require(P.INSPECTIONS_RECORD)
    @blp.arguments(s.HazardActionSchema)
    @blp.response(200, s.HazardSchema)
    def post(self, data, hazard_id):
        """复查: ``review_rectified`` (evidence required) or ``review_not_rectified`` (only after
        the deadline; proposes a case under 安全生产法 第一百零二条)."""
        hazard = service.get_hazard(hazard_id)
        return dump_hazard(service.review(hazard, data.pop("action"), data, current_user))


@blp.route("/leads")
class Leads(MethodView):
    @require(P.INSPECTIONS_READ)
    @blp.arguments(s.LeadQuerySchema, location="query")
    @blp.response(200, s.LeadSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        stmt = service.list_leads(query.get("state"), query.get("source"))
        return [dump_lead(lead) for lead in paginate_select(stmt, pagination_parameters)]

    @require(P.LEADS_MANAGE)
    @blp.arguments(s.LeadCreateSchema)
    @blp.response(201, s.LeadSchema)
    def post(self, data):
        """A complaint, a monitoring alert (非现场执法) or a referral."""
        return dump_lead(service.create_lead(_key(data), current_user))


@blp.route("/leads/<int:lead_id>")
class LeadItem(MethodView):
    @require(P.INSPECTIONS_READ)
    @blp.response(200, s.LeadSchema)
    def get(self, lead_id):
        return dump_lead(service.get_lead(lead_id))


@blp.route("/leads/<int:lead_id>/actions")
class LeadActions(MethodView):
    @require(P.LEADS_MANAGE)
    @blp.arguments(s.LeadActionSchema)
    @blp.response(200, s.LeadSchema)
    def post(self, data, lead_id):
        lead = service.get_lead(lead_id)
        return dump_lead(service.triage(lead, data.pop("action"), data, current_user))

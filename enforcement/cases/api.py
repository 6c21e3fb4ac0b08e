"""REST: cases, their actions, evidence, interviews, reviews; the violation catalogue and the
discretion calculator; the public list of published decisions (API.md "Cases")."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.cases import discretion, service, violations
from enforcement.cases import schemas as s
from enforcement.core.api import ApiBlueprint, paginate_select
from enforcement.core.errors import NotFound, ValidationFailed
from enforcement.core.permissions import P, public, require
from enforcement.extensions import db

blp = ApiBlueprint("cases_api", __name__, url_prefix="/api/v1",
                   description="行政处罚案件 Enforcement cases")


def dump(case):
    return service.case_view(case, current_user)


@blp.route("/cases")
class Cases(MethodView):
    @require(P.CASES_READ)
    @blp.arguments(s.CaseQuerySchema, location="query")
    @blp.response(200, s.CaseSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """``overdue=true``: cases with a missed deadline that nothing has met yet."""
        filters = service.Filters(state=query.get("state"), q=query.get("q"),
                                  officer_id=current_user.id if query.get("mine") else None)
        stmt = service.list_cases(filters)
        if query.get("overdue"):
            ids = service.overdue_ids()
            stmt = stmt.where(service.Case.id.in_(ids or {0}))
        return [service.case_view(c, current_user, full=False)
                for c in paginate_select(stmt, pagination_parameters)]

    @require(P.CASES_HANDLE)
    @blp.arguments(s.CaseCreateSchema)
    @blp.response(201, s.CaseSchema)
    def post(self, data):
        """预立案 (general) or 当场处罚 (summary) — from an enterprise or a person; with
        ``lead_id`` the case takes up that lead (a 立案建议 of an inspection)."""
        if data.get("lead_id") and not data.get("facts"):
            return dump(service.create_from_lead(data["lead_id"], current_user,
                                                 data.get("officer_ids")))
        return dump(service.create(data, current_user))


@blp.route("/cases/<int:case_id>")
class CaseItem(MethodView):
    @require(P.CASES_READ)
    @blp.response(200, s.CaseSchema)
    def get(self, case_id):
        return dump(service.get_case(case_id))


@blp.route("/cases/<int:case_id>/actions")
class CaseActions(MethodView):
    @require(P.CASES_HANDLE, P.CASES_APPROVE, P.CASES_REVIEW)
    @blp.arguments(s.CaseActionSchema)
    @blp.response(200, s.CaseSchema)
    def post(self, data, case_id):
        """The workflow table decides: state, role, team, required fields, guards."""
        case = service.get_case(case_id)
        name = data.pop("action")
        return dump(service.perform(case, name, {k: v for k, v in data.items()
                                                 if v is not None}, current_user))


@blp.route("/cases/<int:case_id>/team")
class CaseTeam(MethodView):
    @require(P.CASES_HANDLE, P.CASES_APPROVE)
    @blp.arguments(s.TeamSchema)
    @blp.response(200, s.CaseSchema)
    def put(self, data, case_id):
        """承办人: ≥2 officers with certificates, none with a declared relationship."""
        case = service.get_case(case_id)
        return dump(service.set_team(case, data["officer_ids"], data["version"], current_user))


@blp.route("/cases/<int:case_id>/evidence")
class CaseEvidence(MethodView):
    @require(P.CASES_READ)
    @blp.response(200, s.EvidenceSchema(many=True))
    def get(self, case_id):
        return service.evidence_of(service.get_case(case_id))

    @require(P.CASES_HANDLE)
    @blp.arguments(s.EvidenceCreateSchema)
    @blp.response(201, s.EvidenceSchema)
    def post(self, data, case_id):
        """证据 of the kinds of 行政处罚法 第四十六条, files from ``POST /files``."""
        return service.add_evidence(service.get_case(case_id), data, current_user)


@blp.route("/cases/<int:case_id>/interviews")
class CaseInterviews(MethodView):
    @require(P.CASES_READ)
    @blp.response(200, s.InterviewSchema(many=True))
    def get(self, case_id):
        """询问笔录 with the interviewee's ID number masked."""
        out = s.InterviewSchema(many=True).dump(service.interviews_of(service.get_case(case_id)))
        for row in out:   # a copy: the stored record keeps its ciphertext
            row["interviewee"] = {k: v for k, v in row["interviewee"].items()
                                  if k != "id_number_enc"}
        return out

    @require(P.CASES_HANDLE)
    @blp.arguments(s.InterviewCreateSchema)
    @blp.response(201, s.InterviewSchema)
    def post(self, data, case_id):
        """询问笔录: interviewee, place, start and end, two officers, questions and answers."""
        interview = service.add_interview(service.get_case(case_id), data, current_user)
        out = s.InterviewSchema().dump(interview)
        out["interviewee"] = {k: v for k, v in out["interviewee"].items()
                              if k != "id_number_enc"}
        return out


@blp.route("/cases/<int:case_id>/reviews")
class CaseReviews(MethodView):
    @require(P.CASES_READ)
    @blp.response(200, s.ReviewSchema(many=True))
    def get(self, case_id):
        """法制审核 opinions with the checks the system ran at that time."""
        return service.reviews_of(service.get_case(case_id))


@blp.route("/cases/<int:case_id>/publication/withdraw")
class CasePublicationWithdraw(MethodView):
    @require(P.CASES_APPROVE)
    @blp.arguments(s.WithdrawSchema)
    @blp.response(200, s.PublicationSchema)
    def post(self, data, case_id):
        """撤回公示 when the decision changed (行政处罚法 第四十八条第二款)."""
        return service.withdraw_publication(service.get_case(case_id), data["reason"],
                                            current_user)


@blp.route("/violations")
class Violations(MethodView):
    @require(P.CASES_READ)
    @blp.arguments(s.ViolationQuerySchema, location="query")
    @blp.response(200)
    def get(self, query):
        """违法行为目录: code, description, 违法条款, 处罚依据, penalty, fine ranges."""
        return [v.to_dict() for v in violations.catalogue().search(query.get("q"))]


@blp.route("/discretion/suggestions")
class Suggestions(MethodView):
    @require(P.CASES_READ)
    @blp.arguments(s.SuggestionQuerySchema)
    @blp.response(200)
    def post(self, data):
        """裁量建议: tier, range and amount with the reasons, from the benchmark in force."""
        try:
            suggestion = discretion.suggest(data["violation_code"], data["party_kind"],
                                            data["circumstances"], data.get("on"))
        except KeyError:
            raise ValidationFailed(_("违法行为目录中没有该编码"), errors={
                "violation_code": [_("违法行为目录中没有 %(c)s。", c=data["violation_code"])]}
            ) from None
        except ValueError as err:
            raise ValidationFailed(_("裁量情节有误"), errors={"circumstances": [str(err)]}
                                   ) from None
        return suggestion.to_dict()


@blp.route("/publications")
class Publications(MethodView):
    @public
    @blp.response(200, s.PublicationSchema(many=True))
    def get(self):
        """行政执法公示 (no login): decisions published and not withdrawn, personal data masked."""
        return service.publications()


@blp.route("/publications/<int:publication_id>")
class PublicationItem(MethodView):
    @public
    @blp.response(200, s.PublicationSchema)
    def get(self, publication_id):
        pub = db.session.get(service.Publication, publication_id)
        if pub is None or pub.withdrawn_on:
            raise NotFound(_("公示不存在或已撤回"))
        return pub

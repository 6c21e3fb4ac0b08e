"""REST: the expert pool, matching, and assignments (API.md "Experts")."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core.api import ApiBlueprint, paginate_select
from enforcement.core.errors import Forbidden, NotFound, ValidationFailed
from enforcement.core.permissions import P, require
from enforcement.enterprises import service as enterprises
from enforcement.experts import schemas as s
from enforcement.experts import service
from enforcement.extensions import db

blp = ApiBlueprint("experts_api", __name__, url_prefix="/api/v1",
                   description="专家库与专家委派 Expert pool and assignments")


@blp.route("/experts")
class Experts(MethodView):
    @require(P.EXPERTS_READ)
    @blp.arguments(s.ExpertQuerySchema, location="query")
    @blp.response(200, s.ExpertSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        return paginate_select(service.list_experts(query.get("q"), query.get("group")),
                               pagination_parameters)

    @require(P.EXPERTS_MANAGE)
    @blp.arguments(s.ExpertCreateSchema)
    @blp.response(201, s.ExpertSchema)
    def post(self, data):
        return service.create_expert(data)


@blp.route("/experts/<int:expert_id>")
class ExpertItem(MethodView):
    @require(P.EXPERTS_READ, P.EXPERT_SELF)
    @blp.response(200, s.ExpertSchema)
    def get(self, expert_id):
        expert = service.get_expert(expert_id)
        if not current_user.can(P.EXPERTS_READ) and expert.user_id != current_user.id:
            raise NotFound(_("专家 %(id)s 不存在", id=expert_id))
        return expert

    @require(P.EXPERTS_MANAGE, P.EXPERT_SELF)
    @blp.arguments(s.ExpertPatchSchema)
    @blp.response(200, s.ExpertSchema)
    def patch(self, data, expert_id):
        """Edit a profile; an expert edits their own skills, phone and availability only."""
        expert = service.get_expert(expert_id)
        by_self = not current_user.can(P.EXPERTS_MANAGE)
        if by_self and expert.user_id != current_user.id:
            raise Forbidden(_("只能修改自己的专家资料"))
        version = data.pop("version")
        return service.update_expert(expert, version, data, by_self=by_self)


@blp.route("/experts/<int:expert_id>/engagements")
class Engagements(MethodView):
    @require(P.EXPERTS_READ)
    @blp.response(200, s.EngagementSchema(many=True))
    def get(self, expert_id):
        return service.get_expert(expert_id).engagements

    @require(P.EXPERTS_MANAGE)
    @blp.arguments(s.EngagementSchema)
    @blp.response(201, s.EngagementSchema)
    def post(self, data, expert_id):
        """Record past service of the expert or the employer to an enterprise (回避 ground)."""
        return service.add_engagement(service.get_expert(expert_id), **data)


@blp.route("/experts/<int:expert_id>/relations")
class Relations(MethodView):
    @require(P.EXPERTS_READ, P.EXPERT_SELF)
    @blp.response(200, s.RelationSchema(many=True))
    def get(self, expert_id):
        expert = _own_or_managed(expert_id)
        return expert.relations

    @require(P.EXPERTS_MANAGE, P.EXPERT_SELF)
    @blp.arguments(s.RelationSchema)
    @blp.response(201, s.RelationSchema)
    def post(self, data, expert_id):
        """Declare a relationship with an enterprise (the expert or the expert office)."""
        return service.declare_relation(_own_or_managed(expert_id), **data)


def _own_or_managed(expert_id: int):
    expert = service.get_expert(expert_id)
    if not current_user.can(P.EXPERTS_READ) and expert.user_id != current_user.id:
        raise Forbidden(_("只能查看或申报自己的关系"))
    return expert


@blp.route("/experts/search")
class Search(MethodView):
    @require(P.EXPERTS_READ)
    @blp.arguments(s.SearchQuerySchema, location="query")
    @blp.response(200, s.SearchResultSchema(many=True))
    def get(self, query):
        """Best matches first; with ``enterprise_id`` conflicted experts are excluded (shown
        with their reasons when ``include_excluded=true``)."""
        enterprise = None
        if query.get("enterprise_id") is not None:
            enterprise = enterprises.get_enterprise(query["enterprise_id"])
        results = service.search(query.get("q"), enterprise=enterprise, on=query.get("on"),
                                 limit=query["limit"],
                                 include_excluded=query["include_excluded"])
        return [r.__dict__ for r in results]


def _dump(assignment, follow_up=None) -> dict:
    body = s.AssignmentSchema().dump(assignment)
    body["allowed_actions"] = service.allowed_actions(assignment, current_user)
    body["next_assignment_id"] = follow_up.id if follow_up else None
    return body


@blp.route("/assignments")
class Assignments(MethodView):
    @require(P.ASSIGNMENTS_MANAGE)
    @blp.arguments(s.AssignmentCreateSchema)
    @blp.response(201, s.AssignmentSchema)
    def post(self, data):
        """Invite an expert (``expert_id``) or the best-ranked qualified one (``auto``)."""
        if data.get("enterprise_id") is None:
            message = _("请提供 enterprise_id（检查对象企业）；"
                        "计划任务与案件的关联随相应模块启用。")
            raise ValidationFailed(message, errors={"enterprise_id": [message]})
        enterprise = enterprises.get_enterprise(data["enterprise_id"])
        assignment = service.invite(
            enterprise=enterprise, expert_id=data.get("expert_id"), auto=data["auto"],
            purpose=data["purpose"], respond_by=data["respond_by"], user_id=current_user.id,
            task_id=data.get("task_id"), case_id=data.get("case_id"), seed=data.get("seed"))
        return _dump(assignment)


@blp.route("/assignments/<int:assignment_id>")
class AssignmentItem(MethodView):
    @require(P.ASSIGNMENTS_MANAGE, P.EXPERT_SELF)
    @blp.response(200, s.AssignmentSchema)
    def get(self, assignment_id):
        service.expire_overdue()
        assignment = service.get_assignment(assignment_id)
        if not current_user.can(P.ASSIGNMENTS_MANAGE) and \
                assignment.expert.user_id != current_user.id:
            raise NotFound(_("委派 %(id)s 不存在", id=assignment_id))
        return _dump(assignment)


@blp.route("/assignments/<int:assignment_id>/actions")
class AssignmentActions(MethodView):
    @require(P.ASSIGNMENTS_MANAGE, P.EXPERT_SELF)
    @blp.arguments(s.AssignmentActionSchema)
    @blp.response(200, s.AssignmentSchema)
    def post(self, data, assignment_id):
        """accept / decline (reason; ``conflict``) — the invited expert only; withdraw, rate —
        officers; submit_opinion — the expert."""
        assignment = service.get_assignment(assignment_id)
        action = data.pop("action")
        version = data.pop("version")
        try:
            follow_up = service.act(assignment, current_user, action, version, data)
        except service.InvitationExpired:
            db.session.commit()  # the expiry (and any next invitation) stands
            raise
        return _dump(assignment, follow_up)


@blp.route("/me/assignments")
class MyAssignments(MethodView):
    @require(P.EXPERT_SELF)
    @blp.response(200, s.AssignmentSchema(many=True))
    def get(self):
        """The signed-in expert's invitations and assignments, newest first."""
        service.expire_overdue()
        expert = service.expert_of_user(current_user)
        if expert is None:
            return []
        return [_dump(a) for a in service.assignments_of_expert(expert)]

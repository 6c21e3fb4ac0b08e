"""REST: annual plans (API.md "Annual plans")."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from enforcement.core.api import ApiBlueprint, paginate_select
from enforcement.core.permissions import P, require
from enforcement.plans import schemas as s
from enforcement.plans import service

blp = ApiBlueprint("plans_api", __name__, url_prefix="/api/v1",
                   description="年度监督检查计划 Annual inspection plans")


def _dump(plan) -> dict:
    body = s.PlanSchema().dump(plan)
    body["allowed_actions"] = service.allowed_actions(plan, current_user)
    return body


@blp.route("/plans")
class Plans(MethodView):
    @require(P.PLANS_READ)
    @blp.arguments(s.PlanQuerySchema, location="query")
    @blp.response(200, s.PlanSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        plans = paginate_select(service.list_plans(query.get("year")), pagination_parameters)
        return [_dump(p) for p in plans]

    @require(P.PLANS_DRAFT)
    @blp.arguments(s.PlanCreateSchema)
    @blp.response(201, s.PlanSchema)
    def post(self, data):
        """Compute a draft: capacity, mandatory visits, the seeded 双随机 draw, months, teams."""
        return _dump(service.create_plan(data, current_user.id))


@blp.route("/plans/<int:plan_id>")
class PlanItem(MethodView):
    @require(P.PLANS_READ)
    @blp.response(200, s.PlanSchema)
    def get(self, plan_id):
        return _dump(service.get_plan(plan_id))


@blp.route("/plans/<int:plan_id>/tasks")
class PlanTasks(MethodView):
    @require(P.PLANS_READ)
    @blp.arguments(s.TaskQuerySchema, location="query")
    @blp.response(200, s.PlanTaskSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters, plan_id):
        """The tasks in plan order (the same inputs and seed give the same order)."""
        plan = service.get_plan(plan_id)
        return paginate_select(service.tasks_of(plan, query.get("month")), pagination_parameters)


@blp.route("/plans/<int:plan_id>/execution")
class PlanExecution(MethodView):
    @require(P.PLANS_READ)
    @blp.response(200, s.ExecutionSchema)
    def get(self, plan_id):
        """计划执行: tasks per month planned / done / in progress / overdue; class A and B
        coverage so far."""
        return service.execution(service.get_plan(plan_id))


@blp.route("/plans/<int:plan_id>/tasks/export")
class PlanTasksExport(MethodView):
    @require(P.PLANS_READ)
    @blp.response(200, content_type="application/vnd.openxmlformats-officedocument"
                                     ".spreadsheetml.sheet")
    def get(self, plan_id):
        """The task list as .xlsx."""
        from enforcement.core.forms import XLSX, download

        plan = service.get_plan(plan_id)
        return download(service.export_tasks_xlsx(plan), f"{plan.year}年度监督检查任务.xlsx",
                        XLSX)


@blp.route("/plans/<int:plan_id>/amendments")
class PlanAmendments(MethodView):
    @require(P.PLANS_READ)
    @blp.response(200, s.AmendmentSchema(many=True))
    def get(self, plan_id):
        return service.amendments_of(service.get_plan(plan_id))

    @require(P.PLANS_APPROVE)
    @blp.arguments(s.AmendmentCreateSchema)
    @blp.response(201, s.AmendmentSchema)
    def post(self, data, plan_id):
        """Change an approved plan: move, re-team, cancel or add visits — with a reason."""
        plan = service.get_plan(plan_id)
        return service.amend(plan, data["version"], data["reason"], data["changes"],
                             current_user)


@blp.route("/plans/<int:plan_id>/actions")
class PlanActions(MethodView):
    @require(P.PLANS_DRAFT, P.PLANS_APPROVE)
    @blp.arguments(s.PlanActionSchema)
    @blp.response(200, s.PlanSchema)
    def post(self, data, plan_id):
        """submit (drafter), return (with an opinion) / approve / publish (the leader)."""
        plan = service.get_plan(plan_id)
        return _dump(service.act(plan, data["action"], data["version"], current_user,
                                 data.get("opinion")))



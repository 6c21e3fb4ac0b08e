"""Plan generation as a background job (large registries: a province's 200,000 enterprises)."""

from __future__ import annotations

from typing import Any

from enforcement.core import audit
from enforcement.extensions import db
from enforcement.plans import service


def generate(ctx, params: dict[str, Any], user_id: int | None,
             username: str | None = None) -> dict[str, Any]:
    ctx.progress(0.05, "读取企业库与执法人员")
    with audit.acting_as(user_id, username or "system"):
        plan = service.create_plan(params, user_id, progress=ctx.progress)
        db.session.commit()
        ctx.progress(1.0, "计划已生成")
        # No request here to build a URL with: the progress page builds it from the endpoint.
        return {"plan_id": plan.id, "endpoint": "plans.detail", "args": {"plan_id": plan.id},
                "label": f"{plan.year} 年度计划 #{plan.id}"}

"""REST: the audit trail, read-only, for auditors."""

from __future__ import annotations

from flask.views import MethodView

from enforcement.audit import schemas as s
from enforcement.audit import service
from enforcement.core import audit
from enforcement.core.api import ApiBlueprint, paginate_select
from enforcement.core.permissions import P, require

blp = ApiBlueprint("audit_api", __name__, url_prefix="/api/v1/audit",
                   description="审计日志 Audit trail (auditors only)")


@blp.route("/events")
class Events(MethodView):
    @require(P.AUDIT_READ)
    @blp.arguments(s.EventQuerySchema, location="query")
    @blp.response(200, s.EventSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Events, newest first, filtered by actor, object, action, outcome and local dates."""
        return paginate_select(service.search_events(**query), pagination_parameters)


@blp.route("/verify")
class Verify(MethodView):
    @require(P.AUDIT_READ)
    @blp.response(200, s.ChainStatusSchema)
    def get(self):
        """Recompute the whole hash chain; names the first event that no longer fits."""
        return audit.verify_chain()

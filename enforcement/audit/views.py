"""The auditor's page: events with filters, and the chain's status."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, render_template, request

from enforcement.audit import schemas as s
from enforcement.audit import service
from enforcement.core import audit
from enforcement.core.audit import AuditEvent
from enforcement.core.forms import parse_form
from enforcement.core.permissions import P, require
from enforcement.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@require(P.AUDIT_READ)
def events():
    data, errors = parse_form(s.EventQuerySchema(unknown=ma.EXCLUDE), request.args)
    query = data or {}
    page = db.paginate(service.search_events(**query), per_page=50, max_per_page=200)
    return render_template(
        "audit/events.html", page=page, filters=request.args, errors=errors,
        object_types=service.distinct_values(AuditEvent.object_type),
        actions=service.distinct_values(AuditEvent.action),
        chain=audit.verify_chain())

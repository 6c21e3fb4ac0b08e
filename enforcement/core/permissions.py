"""Who may do what: one table from role to permissions, deny by default.

Every endpoint declares the permission it needs (``@require``) or that it is public (``@public``);
``enforce`` runs before every request and refuses an endpoint that declares nothing.
Separation of duties (三员分立, GB/T 22239-2019 安全管理中心): the system administrator manages
accounts but cannot read the audit trail; the audit administrator reads it and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any, TypeVar

from enforcement.core.i18n import N_

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
AUTHENTICATED = "authenticated"  # any signed-in user, whatever the roles


class Role(StrEnum):
    OFFICER = "officer"
    LEADER = "leader"
    REVIEWER = "reviewer"
    EXPERT = "expert"
    ADMIN = "admin"
    AUDITOR = "auditor"


ROLE_LABELS = {
    Role.OFFICER: N_("执法人员"),
    Role.LEADER: N_("负责人"),
    Role.REVIEWER: N_("法制审核人员"),
    Role.EXPERT: N_("专家"),
    Role.ADMIN: N_("系统管理员"),
    Role.AUDITOR: N_("审计管理员"),
}


class P(StrEnum):
    """Permission names. Modules add theirs here, with the roles that hold them below."""

    USERS_LIST = "users.list"        # see officers and leaders, to pick teams
    USERS_MANAGE = "users.manage"    # create, edit, reset, deactivate accounts
    AUDIT_READ = "audit.read"
    CALENDAR_MANAGE = "calendar.manage"
    FILES_UPLOAD = "files.upload"
    FILES_READ = "files.read"
    ENTERPRISES_READ = "enterprises.read"
    ENTERPRISES_EDIT = "enterprises.edit"        # create, edit, import, record accidents
    ENTERPRISES_CLASSIFY = "enterprises.classify"  # evaluate now, re-evaluate all
    ENTERPRISES_OVERRIDE = "enterprises.override"  # a leader sets the class by hand
    EXPERTS_READ = "experts.read"            # the pool, search with explanations
    EXPERTS_MANAGE = "experts.manage"        # keep profiles, past service, relationships
    ASSIGNMENTS_MANAGE = "assignments.manage"  # invite, withdraw, rate
    EXPERT_SELF = "expert.self"              # an expert's own portal: answer, give opinions
    PLANS_READ = "plans.read"
    PLANS_DRAFT = "plans.draft"              # compute drafts, submit them
    PLANS_APPROVE = "plans.approve"          # approve, return, publish (the leader)
    INSPECTIONS_READ = "inspections.read"    # records, hazards, rectification orders
    INSPECTIONS_RECORD = "inspections.record"  # inspect: record, sign, complete, re-check
    LEADS_MANAGE = "leads.manage"            # enter and triage leads, propose cases
    CASES_READ = "cases.read"                # case files, deadlines, the violation catalogue
    CASES_HANDLE = "cases.handle"            # open cases, collect evidence, take officer steps
    CASES_APPROVE = "cases.approve"          # approve filing, proposals, decisions, closing
    CASES_REVIEW = "cases.review"            # 法制审核
    DOCUMENTS_READ = "documents.read"        # documents, their PDFs and history
    DOCUMENTS_DRAFT = "documents.draft"      # draft from the record, submit, correct
    DOCUMENTS_SIGN = "documents.sign"        # legal reviewer: return or sign (certificate)
    DOCUMENTS_ISSUE = "documents.issue"      # issue a signed document (number, seal)
    DOCUMENTS_VOID = "documents.void"        # void with a reason (the number stays recorded)


_FILES = {P.FILES_UPLOAD, P.FILES_READ}
_REGISTRY = {P.ENTERPRISES_READ, P.ENTERPRISES_EDIT, P.ENTERPRISES_CLASSIFY}
_EXPERTS = {P.EXPERTS_READ, P.EXPERTS_MANAGE, P.ASSIGNMENTS_MANAGE}

ROLE_PERMISSIONS: dict[Role, frozenset[P]] = {
    Role.OFFICER: frozenset({P.USERS_LIST, *_FILES, *_REGISTRY, *_EXPERTS, P.PLANS_READ,
                             P.PLANS_DRAFT, P.INSPECTIONS_READ, P.INSPECTIONS_RECORD,
                             P.LEADS_MANAGE, P.CASES_READ, P.CASES_HANDLE,
                             P.DOCUMENTS_READ, P.DOCUMENTS_DRAFT, P.DOCUMENTS_ISSUE}),
    Role.LEADER: frozenset({P.USERS_LIST, *_FILES, *_REGISTRY, *_EXPERTS,
                            P.ENTERPRISES_OVERRIDE, P.PLANS_READ, P.PLANS_DRAFT,
                            P.PLANS_APPROVE, P.INSPECTIONS_READ, P.LEADS_MANAGE,
                            P.CASES_READ, P.CASES_APPROVE, P.DOCUMENTS_READ,
                            P.DOCUMENTS_DRAFT, P.DOCUMENTS_ISSUE, P.DOCUMENTS_VOID}),
    Role.REVIEWER: frozenset({P.USERS_LIST, *_FILES, P.ENTERPRISES_READ, P.EXPERTS_READ,
                              P.PLANS_READ, P.INSPECTIONS_READ, P.CASES_READ,
                              P.CASES_REVIEW, P.DOCUMENTS_READ, P.DOCUMENTS_SIGN}),
    Role.EXPERT: frozenset({*_FILES, P.EXPERT_SELF}),
    Role.ADMIN: frozenset({P.USERS_LIST, P.USERS_MANAGE, P.CALENDAR_MANAGE}),
    Role.AUDITOR: frozenset({P.AUDIT_READ}),
}


def permissions_of(roles: Iterable[str]) -> frozenset[P]:
    granted: set[P] = set()
    for role in roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(role)]
        except ValueError:
            continue  # an unknown role grants nothing
    return frozenset(granted)


def has_permission(roles: Iterable[str], permission: str) -> bool:
    return permission in permissions_of(roles)


def require(*permissions: P) -> Callable[[F], F]:
    """Declare that the endpoint needs one of ``permissions`` (any one suffices)."""
    if not permissions:
        raise ValueError("require() needs at least one permission")

    def decorate(func: F) -> F:
        func.__permission__ = tuple(permissions)  # type: ignore[attr-defined]
        return func

    return decorate


def public(func: F) -> F:
    """Declare that the endpoint needs no login (login page, health check, public verification)."""
    func.__permission__ = PUBLIC  # type: ignore[attr-defined]
    return func


def authenticated(func: F) -> F:
    """Declare that any signed-in user may call the endpoint (own account, logout)."""
    func.__permission__ = AUTHENTICATED  # type: ignore[attr-defined]
    return func


# Endpoints registered by libraries, declared here because we cannot decorate them.
DECLARED_ENDPOINTS: dict[str, Any] = {
    "static": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
}


def declared_permission(app, endpoint: str | None, method: str) -> Any:
    """What the endpoint declares for this HTTP method, or ``None`` if it declares nothing."""
    if endpoint is None:
        return None
    if endpoint in DECLARED_ENDPOINTS:
        return DECLARED_ENDPOINTS[endpoint]
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        return getattr(handler, "__permission__", None) if handler else None
    return getattr(view, "__permission__", None)

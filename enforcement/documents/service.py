"""The life of a document: draft → submitted (in_review) → returned with an opinion → signed by
the legal reviewer → issued → (void). DOMAIN.md Part 1 "Documents", DESIGN.md §5.

* A draft is filled from the record (``builders``); ``refresh`` rebuilds it while still a draft.
* ``sign`` renders the final PDF (the reviewer's signature block and the seal drawn in the
  page), and applies the reviewer's PAdES signature with the certificate of the bureau's CA.
* ``issue`` takes the number (``core.numbering``, in the issuing transaction), a verification
  code, and applies the bureau's visible issuing signature, which carries the number, the code
  and the QR code of the public verification page. The reviewer's signature stays valid.
* Signed and issued documents never change. ``void`` keeps the number, marked void, with the
  reason; ``correct`` starts a new draft that supersedes the issued one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from enforcement.core import clock, numbering, storage
from enforcement.core.errors import (
    Forbidden,
    NotFound,
    TransitionNotAllowed,
    ValidationFailed,
)
from enforcement.core.i18n import N_
from enforcement.documents import builders, kinds, pki, render
from enforcement.documents.models import CaseArchive, Document
from enforcement.extensions import db

STATE_LABELS = {"draft": N_("草稿"), "in_review": N_("待审核"), "signed": N_("已签章"),
                "issued": N_("已签发"), "void": N_("已作废")}
ACTION_LABELS = {"submit": N_("提交审核"), "return": N_("退回"), "sign": N_("审核签章"),
                 "issue": N_("签发"), "void": N_("作废"), "refresh": N_("按最新数据重新生成"),
                 "correct": N_("更正（生成新版本）")}
# (state, action) → (next state, permission)
WORKFLOW: dict[tuple[str, str], tuple[str, str]] = {
    ("draft", "refresh"): ("draft", "documents.draft"),
    ("draft", "submit"): ("in_review", "documents.draft"),
    ("in_review", "return"): ("draft", "documents.sign"),
    ("in_review", "sign"): ("signed", "documents.sign"),
    ("signed", "issue"): ("issued", "documents.issue"),
    ("draft", "void"): ("void", "documents.void"),
    ("in_review", "void"): ("void", "documents.void"),
    ("signed", "void"): ("void", "documents.void"),
    ("issued", "void"): ("void", "documents.void"),
    ("issued", "correct"): ("issued", "documents.draft"),
}
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # no 0/O, 1/I
MAX_VERIFY_BYTES = 20 * 1024 * 1024   # the largest PDF the public verification page reads


def verify_rate() -> str:
    """Uploads to the public verification page, per address (configurable)."""
    return current_app.config.get("VERIFY_RATE_LIMIT", "30 per minute")


def pdf_name(document: Document) -> str:
    return (document.number or f"{document.kind}-{document.id}") + ".pdf"


def get_document(document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(_("文书不存在"))
    return document


def list_documents(*, state: str | None = None, case_id: int | None = None,
                   inspection_id: int | None = None, plan_id: int | None = None,
                   kind: str | None = None):
    stmt = sa.select(Document).order_by(Document.updated_at.desc(), Document.id.desc())
    for column, value in ((Document.state, state), (Document.case_id, case_id),
                          (Document.inspection_id, inspection_id),
                          (Document.plan_id, plan_id), (Document.kind, kind)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def kind_of(document: Document) -> kinds.Kind:
    kind = kinds.registry().get(document.kind)
    if kind is None:
        raise NotFound(_("未知的文书种类 %(k)s", k=document.kind))
    return kind


# -- availability -----------------------------------------------------------------------------

def _step_reached(kind: kinds.Kind, subject_id: int) -> bool:
    step = kind.step
    if kind.subject == "case":
        from enforcement.cases import service as cases

        case = cases.get_case(subject_id)
        if step == "case.filing_review":
            return case.state != "pre_filing" or bool(case.filed_on)
        if step == "case.interviewed":
            return bool(cases.interviews_of(case))
        if step == "case.proposal_approved":
            return bool(case.proposed_penalty) and case.state not in (
                "pre_filing", "filing_review", "investigating", "proposal_review", "summary")
        if step == "case.decided":
            wanted = "summary" if kind.code == "summary_decision" else "general"
            return bool(case.decided_on) and (case.procedure == wanted
                                              or kind.code not in ("penalty_decision",
                                                                   "summary_decision"))
        if step == "case.executed":
            return case.state in ("closing_review", "closed", "archived")
    if kind.subject == "inspection":
        from enforcement.inspections import service as inspections

        inspection = inspections.get_inspection(subject_id)
        if step == "inspection.completed":
            return inspection.state == "completed"
        if step == "inspection.reviewed":
            return any(h.reviewed_on for h in inspection.hazards)
    if kind.subject == "plan":
        from enforcement.plans import service as plans

        return plans.get_plan(subject_id).state in ("approved", "published")
    return False


def available_kinds(subject: str, subject_id: int) -> list[kinds.Kind]:
    return [k for k in kinds.registry().kinds.values()
            if k.subject == subject and _step_reached(k, subject_id)]


# -- drafting ---------------------------------------------------------------------------------

def _title(kind: kinds.Kind, data: dict[str, Any]) -> str:
    party = (data.get("party") or {}).get("name") or ""
    if kind.subject == "plan":
        return f"{data['agency']}{data['plan']['year']}年度{kind.name}"
    return f"{kind.name} · {party}"[:300]


def create(kind_code: str, subject: dict[str, int | None], user) -> Document:
    """A draft of ``kind_code`` about one case, inspection or plan, filled from its record."""
    kind = kinds.registry().get(kind_code)
    if kind is None:
        raise ValidationFailed(_("文书种类有误"), errors={"kind": [
            _("未知的文书种类：%(k)s", k=kind_code)]})
    given = {k: v for k, v in subject.items() if v}
    field = f"{kind.subject}_id"
    if list(given) != [field]:
        raise ValidationFailed(_("文书对象有误"), errors={field: [
            _("%(k)s 须指定 %(f)s。", k=kind.name, f=field)]})
    subject_id = int(given[field])
    try:
        reached = _step_reached(kind, subject_id)
    except NotFound:
        raise ValidationFailed(_("文书对象有误"), errors={field: [
            _("%(f)s %(id)s 不存在。", f=field, id=subject_id)]}) from None
    if not reached:
        raise TransitionNotAllowed(_("“%(k)s”须在办理到相应环节后制作", k=kind.name))
    data = builders.BUILDERS[kind.subject](subject_id)
    document = Document(kind=kind.code, state="draft", title=_title(kind, data), data=data,
                        template_version=kinds.registry().template_version(kind),
                        number_code=kind.number_code, created_by=user.id,
                        history=[_event("create", user)], **{field: subject_id})
    db.session.add(document)
    db.session.flush()
    return document


def _event(action: str, user, **extra) -> dict[str, Any]:
    return {"action": action, "by": user.id if user else None,
            "by_name": user.display_name if user else None,
            "at": clock.now().isoformat(), **{k: v for k, v in extra.items() if v}}


# -- rendering --------------------------------------------------------------------------------

def _render_data(document: Document, *, signing: dict[str, Any] | None = None) -> dict:
    data = dict(document.data)
    data["number"] = document.number or ""
    data["signing"] = signing or {"reviewer": "", "role": "", "at": "", "seal": False}
    return data


def html(document: Document, *, base_url: str | None = None) -> str:
    """The HTML preview (drafts with the watermark)."""
    kind = kind_of(document)
    return render.render_html(kind.template, _render_data(document, signing=_signing(document)),
                              draft=document.state in ("draft", "in_review"),
                              base_url=base_url)


def _signing(document: Document) -> dict[str, Any] | None:
    sig = next((s for s in document.signatures if s.get("role") == "reviewer"), None)
    if sig is None:
        return None
    return {"reviewer": sig["name"], "role": sig["role_label"], "at": sig["at_local"],
            "seal": True}


def pdf(document: Document) -> bytes:
    """The stored PDF once signed or issued; a draft is rendered now, with 草稿."""
    if document.state == "issued" and document.pdf_file_id:
        return storage.read_bytes(storage.get_file(document.pdf_file_id).sha256)
    if document.signed_file_id and document.state in ("signed", "void"):
        return storage.read_bytes(storage.get_file(document.signed_file_id).sha256)
    kind = kind_of(document)
    return render.render(kind.template, _render_data(document, signing=_signing(document)),
                         draft=True)


# -- actions ----------------------------------------------------------------------------------

def allowed_actions(document: Document, user) -> list[str]:
    out = []
    for (state, action), (_next, permission) in WORKFLOW.items():
        if state == document.state and user.can(permission):
            if action == "sign" and not pki.has_certificate(user.username):
                continue
            out.append(action)
    return out


def act(document: Document, action: str, data: dict[str, Any], user) -> Document:
    step = WORKFLOW.get((document.state, action))
    if step is None:
        raise TransitionNotAllowed(_("文书当前为“%(s)s”，不能执行该操作",
                                     s=_(STATE_LABELS[document.state])))
    target, permission = step
    if not user.can(permission):
        raise Forbidden(_("没有执行“%(a)s”的权限", a=_(ACTION_LABELS[action])))
    document.check_version(data.get("version"))
    handler = {"refresh": _refresh, "submit": _submit, "return": _return, "sign": _sign,
               "issue": _issue, "void": _void, "correct": _correct}[action]
    result = handler(document, data, user)
    if action != "correct":
        document.state = target
    document.updated_at = clock.now()
    db.session.flush()
    return result or document


def _refresh(document: Document, data: dict[str, Any], user) -> None:
    kind = kind_of(document)
    subject, subject_id = document.subject
    document.data = builders.BUILDERS[subject](subject_id)
    document.title = _title(kind, document.data)
    document.template_version = kinds.registry().template_version(kind)
    document.history = [*document.history, _event("refresh", user)]


def _submit(document: Document, data: dict[str, Any], user) -> None:
    document.history = [*document.history, _event("submit", user)]


def _return(document: Document, data: dict[str, Any], user) -> None:
    opinion = (data.get("opinion") or "").strip()
    if not opinion:
        raise ValidationFailed(_("请填写退回意见"), errors={"opinion": [_("请填写退回意见。")]})
    document.opinion = opinion[:5000]
    document.history = [*document.history, _event("return", user, opinion=opinion[:5000])]


def _sign(document: Document, data: dict[str, Any], user) -> None:
    """法制审核签章: the final PDF, with the reviewer's signature block and the seal drawn,
    signed with the reviewer's certificate (PAdES B-B)."""
    try:
        signer = pki.user_signer(user.username)
    except pki.PkiError as err:
        raise TransitionNotAllowed(str(err)) from None
    kind = kind_of(document)
    now = clock.now()
    signature = {"role": "reviewer", "role_label": _("法制审核人员"), "user_id": user.id,
                 "name": user.display_name, "at": now.isoformat(),
                 "at_local": clock.local(now).strftime("%Y-%m-%d %H:%M"),
                 "certificate_sha256": signer.certificate_sha256 if hasattr(
                     signer, "certificate_sha256") else ""}
    document.signatures = [*document.signatures, signature]
    body = render.render(kind.template, _render_data(document, signing=_signing(document)),
                         draft=False)
    signed = pki.sign_pdf(body, signer, field_name="reviewer",
                          reason=_("法制审核：%(k)s", k=kind.name),
                          location=current_app.config["BUREAU_NAME"], name=user.display_name)
    stored = storage.store_bytes(signed, f"{kind.code}-{document.id}-signed.pdf", user.id)
    document.signed_file_id = stored.id
    document.signed_sha256 = stored.sha256
    document.signed_by = user.id
    document.history = [*document.history, _event("sign", user)]


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not db.session.scalar(sa.select(Document.id).where(
                Document.verification_code == code)):
            return code


def verify_url(code: str) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}/verify/{code}" if base else f"/verify/{code}"


def _issue(document: Document, data: dict[str, Any], user) -> None:
    """签发: the number (gap-free, in this transaction), the verification code and the
    bureau's issuing signature with the number and the QR code."""
    if not document.signed_file_id:
        raise TransitionNotAllowed(_("文书未经法制审核签章，不能签发"))
    today = clock.today()
    value = numbering.next_number(document.number_code, today.year)
    number = numbering.format_number(current_app.config["BUREAU_ABBR"], document.number_code,
                                     today.year, value)
    code = _new_code()
    signed = storage.read_bytes(storage.get_file(document.signed_file_id).sha256)
    try:
        issued = pki.issue_pdf(signed, pki.bureau_signer(), number=number,
                               code=f"{code[:4]}-{code[4:]}", url=verify_url(code))
    except pki.PkiError as err:
        raise TransitionNotAllowed(str(err)) from None
    stored = storage.store_bytes(issued, f"{number}.pdf", user.id)
    document.number = number
    document.number_year = today.year
    document.number_value = value
    document.verification_code = code
    document.pdf_file_id = stored.id
    document.sha256 = stored.sha256
    document.issued_on = today
    document.issued_at = clock.now()
    document.issued_by = user.id
    document.signatures = [*document.signatures, {
        "role": "bureau", "role_label": _("签发机关"), "name": current_app.config["BUREAU_NAME"],
        "at": clock.now().isoformat(), "user_id": user.id}]
    document.history = [*document.history, _event("issue", user, number=number)]


def _void(document: Document, data: dict[str, Any], user) -> None:
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ValidationFailed(_("请说明作废理由"), errors={"reason": [_("请说明作废理由。")]})
    document.void_reason = reason[:500]
    document.history = [*document.history, _event("void", user, reason=reason[:500],
                                                  number=document.number)]


def _correct(document: Document, data: dict[str, Any], user) -> Document:
    """更正: a new draft, filled from the record as it is now, that supersedes this one."""
    subject, subject_id = document.subject
    new = create(document.kind, {f"{subject}_id": subject_id}, user)
    new.supersedes_id = document.id
    document.history = [*document.history, _event("correct", user, new_id=new.id)]
    return new


# -- verification (public) --------------------------------------------------------------------

def by_code(code: str) -> Document | None:
    code = code.strip().upper().replace("-", "")
    return db.session.scalar(sa.select(Document).where(Document.verification_code == code))


def verification_of(document: Document | None) -> dict[str, Any]:
    if document is None or document.state not in ("issued", "void"):
        return {"valid": False}
    kind = kinds.registry().get(document.kind)
    return {"valid": document.state == "issued", "kind": document.kind,
            "kind_name": kind.name if kind else document.kind, "number": document.number,
            "issued_on": document.issued_on.isoformat() if document.issued_on else None,
            "issuer": current_app.config["BUREAU_NAME"], "sha256": document.sha256,
            "void": document.state == "void", "void_reason": document.void_reason}


def verify_stream(stream) -> dict[str, Any]:
    """``verify_upload`` of an uploaded file, read up to ``MAX_VERIFY_BYTES``."""
    data = stream.read(MAX_VERIFY_BYTES + 1)
    if len(data) > MAX_VERIFY_BYTES:
        raise ValidationFailed(_("文件过大"), errors={"file": [_("文件不能超过 20 MB。")]})
    return verify_upload(data)


def verify_upload(data: bytes) -> dict[str, Any]:
    """Is this exactly an issued document? Its sha256 must be one we issued, and its
    signatures must still validate."""
    if not data.startswith(b"%PDF-"):
        return {"valid": False, "reason": _("不是 PDF 文件")}
    digest = hashlib.sha256(data).hexdigest()
    document = db.session.scalar(sa.select(Document).where(Document.sha256 == digest))
    if document is None:
        try:
            checks = pki.validate_pdf(data)
        except pki.PkiError:
            checks = []
        if checks and all(c.intact for c in checks):
            reason = _("签名完整，但不是本局签发的文书文本")
        elif checks:
            reason = _("文件签名后被修改过，不是原始签发文本")
        else:
            reason = _("不是本局签发的文书")
        return {"valid": False, "reason": reason}
    checks = pki.validate_pdf(data)
    if not checks or not all(c.intact and c.valid for c in checks):
        return {"valid": False, "reason": _("数字签名验证失败"),
                "document": verification_of(document)}
    info = verification_of(document)
    if document.state == "void":
        return {"valid": False, "reason": _("该文书已作废：%(r)s", r=document.void_reason or ""),
                "document": info}
    return {"valid": True, "document": info}


def review_queue() -> list[Document]:
    return list(db.session.scalars(sa.select(Document).where(Document.state == "in_review")
                                   .order_by(Document.updated_at)))


def issued_on_day(day: date) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(
        Document.issued_on == day)) or 0


# -- archive (归档) ----------------------------------------------------------------------------

def build_archive(case_id: int, user) -> CaseArchive:
    """归档案卷 of a closed case (see ``archive``), kept as a record."""
    from enforcement.documents import archive

    if not user.can("documents.draft"):
        raise Forbidden(_("没有生成归档案卷的权限"))
    result = archive.build(case_id, user)
    record = CaseArchive(case_id=case_id, pdf_file_id=result.pdf.id,
                         pdfa_file_id=result.pdfa.id, zip_file_id=result.zip.id,
                         pages=result.pages, manifest=result.manifest,
                         created_by=user.id, created_at=clock.now())
    db.session.add(record)
    db.session.flush()
    return record


def archives_of(case_id: int) -> list[CaseArchive]:
    return list(db.session.scalars(sa.select(CaseArchive).where(CaseArchive.case_id == case_id)
                                   .order_by(CaseArchive.id.desc())))

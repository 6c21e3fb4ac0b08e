"""Pages: a document (preview beside the PDF, history, the actions the caller may take), the
reviewer's queue, drafting from a case, inspection or plan; and the public verification page."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core.errors import DomainError
from enforcement.core.forms import download, error_messages, int_list, safe_next
from enforcement.core.headers import content_security_policy
from enforcement.core.permissions import P, public, require
from enforcement.documents import kinds, service
from enforcement.extensions import db, limiter

bp = Blueprint("documents", __name__, url_prefix="/documents")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")


@bp.app_template_filter("document_state")
def document_state(state: str) -> str:
    return _(service.STATE_LABELS.get(state, state))


@bp.app_template_global("documents_of")
def documents_of(subject: str, subject_id: int) -> dict:
    """For the case, inspection and plan pages: their documents and what may be drafted."""
    stmt = service.list_documents(**{f"{subject}_id": subject_id})
    documents = list(db.session.scalars(stmt))
    archives = can_archive = None
    if subject == "case":
        from enforcement.cases import service as cases

        archives = service.archives_of(subject_id)
        can_archive = cases.get_case(subject_id).state in ("closed", "archived") and any(
            d.state == "issued" for d in documents)
    return {"documents": documents,
            "available": service.available_kinds(subject, subject_id),
            "names": {k.code: k.name for k in kinds.registry().kinds.values()},
            "archives": archives, "can_archive": can_archive}


@bp.route("/")
@require(P.DOCUMENTS_READ)
def index():
    state = request.args.get("state") or None
    docs = list(db.session.scalars(service.list_documents(state=state).limit(200)))
    return render_template("document_pages/index.html", documents=docs, state=state,
                           names={k.code: k.name for k in kinds.registry().kinds.values()},
                           states=service.STATE_LABELS)


@bp.route("/queue")
@require(P.DOCUMENTS_SIGN)
def queue():
    return render_template("document_pages/queue.html", documents=service.review_queue(),
                           names={k.code: k.name for k in kinds.registry().kinds.values()})


@bp.route("/new", methods=["POST"])
@require(P.DOCUMENTS_DRAFT)
def new():
    subject = {f: request.form.get(f, type=int) for f in ("case_id", "inspection_id", "plan_id")}
    back = safe_next(request.form.get("next"), url_for("documents.index"))
    try:
        document = service.create(request.form.get("kind", ""), subject, current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
        return redirect(back)
    db.session.commit()
    flash(_("已生成文书草稿：%(t)s", t=document.title), "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.route("/<int:document_id>")
@require(P.DOCUMENTS_READ)
def detail(document_id: int):
    document = service.get_document(document_id)
    kind = service.kind_of(document)
    return render_template("document_pages/detail.html", document=document, kind=kind,
                           actions=service.allowed_actions(document, current_user),
                           action_labels=service.ACTION_LABELS,
                           verify_url=service.verify_url(document.verification_code)
                           if document.verification_code else None)


@bp.route("/<int:document_id>/preview")
@require(P.DOCUMENTS_READ)
def preview(document_id: int):
    document = service.get_document(document_id)
    response = Response(service.html(document, base_url=request.script_root + "/"),
                        mimetype="text/html")
    # shown in a frame of the document page (same origin only); no scripts in documents
    response.headers["Content-Security-Policy"] = content_security_policy(frame_ancestors="'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/<int:document_id>/pdf")
@require(P.DOCUMENTS_READ)
def pdf(document_id: int):
    document = service.get_document(document_id)
    return download(service.pdf(document), service.pdf_name(document), "application/pdf",
                    inline=True)


@bp.route("/<int:document_id>/act", methods=["POST"])
@require(P.DOCUMENTS_DRAFT, P.DOCUMENTS_SIGN, P.DOCUMENTS_ISSUE, P.DOCUMENTS_VOID)
def act(document_id: int):
    document = service.get_document(document_id)
    action = request.form.get("action", "")
    try:
        result = service.act(document, action, {
            "version": request.form.get("version", type=int),
            "opinion": request.form.get("opinion"), "reason": request.form.get("reason")},
            current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
        return redirect(url_for("documents.detail", document_id=document_id))
    db.session.commit()
    flash(_("已完成：%(a)s", a=_(service.ACTION_LABELS.get(action, action))), "success")
    return redirect(url_for("documents.detail", document_id=result.id))


@verify_bp.route("/", methods=["GET", "POST"])
@public
@limiter.limit(service.verify_rate, methods=["POST"])
def upload():
    """Public: is this PDF an unaltered document issued by the bureau?"""
    result = None
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            result = {"valid": False, "reason": _("请选择要核验的 PDF 文件")}
        else:
            try:
                result = service.verify_stream(file.stream)
            except DomainError as err:
                result = {"valid": False, "reason": "；".join(error_messages(err))}
    return render_template("document_pages/verify.html", result=result, info=None, code=None)


@verify_bp.route("/<code>")
@public
def by_code(code: str):
    document = service.by_code(code)
    info = service.verification_of(document) if document else None
    return render_template("document_pages/verify.html", result=None, info=info, code=code), (
        200 if info and info.get("number") else 404)


@bp.route("/archive/<int:case_id>", methods=["POST"])
@require(P.DOCUMENTS_DRAFT)
def build_archive(case_id: int):
    try:
        record = service.build_archive(case_id, current_user)
    except DomainError as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        db.session.commit()
        flash(_("已生成归档案卷，共 %(p)s 页", p=record.pages), "success")
    return redirect(url_for("cases.detail", case_id=case_id) + "#archive")


@bp.route("/print", methods=["POST"])
@require(P.DOCUMENTS_READ)
def print_batch():
    """批量打印: the chosen documents rendered on all cores as a job with a progress bar."""
    from enforcement.core import jobs

    ids = int_list(request.form, "document_ids")
    if not ids:
        flash(_("没有要打印的文书"), "warning")
        return redirect(safe_next(request.referrer, url_for("documents.index")))
    job = jobs.submit("enforcement.documents.batch:print_batch", ids, current_user.id,
                      name=_("批量打印 %(n)s 份文书", n=len(ids)), created_by=current_user.id)
    db.session.commit()
    return redirect(url_for("system.job_progress", job_id=job.id))

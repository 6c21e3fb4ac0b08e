"""REST: document kinds, documents and their actions, PDFs; public verification
(API.md "Documents")."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core.api import ApiBlueprint, paginate_select
from enforcement.core.errors import NotFound, ValidationFailed
from enforcement.core.forms import download
from enforcement.core.permissions import P, public, require
from enforcement.documents import kinds, service
from enforcement.documents import schemas as s
from enforcement.extensions import limiter

blp = ApiBlueprint("documents_api", __name__, url_prefix="/api/v1",
                   description="执法文书 Enforcement documents")


def dump(document):
    kind = kinds.registry().get(document.kind)
    document.kind_name = kind.name if kind else document.kind
    document.allowed_actions = service.allowed_actions(document, current_user)
    return document


@blp.route("/document-kinds")
class DocumentKinds(MethodView):
    @require(P.DOCUMENTS_READ)
    @blp.response(200, s.KindSchema(many=True))
    def get(self):
        """The kinds of documents, with the step of the procedure that produces each."""
        return [k.to_dict() for k in kinds.registry().kinds.values()]


@blp.route("/documents")
class Documents(MethodView):
    @require(P.DOCUMENTS_READ)
    @blp.arguments(s.DocumentQuerySchema, location="query")
    @blp.response(200, s.DocumentSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        stmt = service.list_documents(**query)
        return [dump(d) for d in paginate_select(stmt, pagination_parameters)]

    @require(P.DOCUMENTS_DRAFT)
    @blp.arguments(s.DocumentCreateSchema)
    @blp.response(201, s.DocumentSchema)
    def post(self, data):
        """A draft filled from the case, inspection or plan."""
        kind = data.pop("kind")
        return dump(service.create(kind, data, current_user))


@blp.route("/documents/<int:document_id>")
class DocumentItem(MethodView):
    @require(P.DOCUMENTS_READ)
    @blp.response(200, s.DocumentSchema)
    def get(self, document_id):
        return dump(service.get_document(document_id))


@blp.route("/documents/<int:document_id>/pdf")
class DocumentPdf(MethodView):
    @require(P.DOCUMENTS_READ)
    @blp.response(200, content_type="application/pdf")
    def get(self, document_id):
        """The PDF: a draft carries the 草稿 watermark; signed and issued ones are the stored,
        signed files."""
        document = service.get_document(document_id)
        return download(service.pdf(document), service.pdf_name(document), "application/pdf",
                        inline=True)


@blp.route("/documents/<int:document_id>/html")
class DocumentHtml(MethodView):
    @require(P.DOCUMENTS_READ)
    @blp.response(200, content_type="text/html")
    def get(self, document_id):
        """The HTML preview beside the PDF."""
        document = service.get_document(document_id)
        return Response(service.html(document, base_url="/"), mimetype="text/html")


@blp.route("/documents/<int:document_id>/actions")
class DocumentActions(MethodView):
    @require(P.DOCUMENTS_DRAFT, P.DOCUMENTS_SIGN, P.DOCUMENTS_ISSUE, P.DOCUMENTS_VOID)
    @blp.arguments(s.DocumentActionSchema)
    @blp.response(200, s.DocumentSchema)
    def post(self, data, document_id):
        """``submit``, ``return`` (opinion), ``sign`` (reviewer with a certificate), ``issue``
        (takes the number), ``void`` (reason), ``refresh`` (a draft, from the record),
        ``correct`` (an issued one: a new draft that supersedes it; answers the new draft)."""
        document = service.get_document(document_id)
        return dump(service.act(document, data.pop("action"), data, current_user))


@blp.route("/verify/<code>")
class VerifyCode(MethodView):
    @public
    @blp.response(200, s.VerificationSchema)
    def get(self, code):
        """Public: what the verification code printed on a document stands for."""
        document = service.by_code(code)
        if document is None or document.state not in ("issued", "void"):
            raise NotFound(_("没有这个验证码对应的文书"))
        return service.verification_of(document)


@blp.route("/verify")
class VerifyUpload(MethodView):
    decorators = [limiter.limit(service.verify_rate, methods=["POST"])]

    @public
    @blp.response(200, s.UploadVerificationSchema)
    def post(self):
        """Public: upload a PDF (multipart ``file``): is it an unaltered issued document?"""
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed(_("请上传 PDF 文件"), errors={"file": [_("请上传 PDF 文件。")]})
        return service.verify_stream(upload.stream)


@blp.route("/cases/<int:case_id>/archives")
class CaseArchives(MethodView):
    @require(P.DOCUMENTS_READ)
    @blp.response(200, s.ArchiveSchema(many=True))
    def get(self, case_id):
        """The archive files built for a case (newest first)."""
        return service.archives_of(case_id)

    @require(P.DOCUMENTS_DRAFT)
    @blp.response(201, s.ArchiveSchema)
    def post(self, case_id):
        """归档案卷 of a closed case: one PDF (cover, table of contents with page numbers, the
        issued documents, image evidence), a PDF/A-3b variant with the signed originals
        attached, and a .zip with the originals and a manifest of hashes."""
        return service.build_archive(case_id, current_user)


@blp.route("/documents/print-jobs")
class PrintJobs(MethodView):
    @require(P.DOCUMENTS_READ)
    @blp.arguments(s.PrintJobSchema)
    @blp.response(202, s.PrintJobResultSchema)
    def post(self, data):
        """批量打印 as a background job (all cores); follow it at ``GET /jobs/{job_id}`` — its
        result names the stored print file(s)."""
        from enforcement.core import jobs

        for document_id in data["document_ids"]:
            service.get_document(document_id)
        job = jobs.submit("enforcement.documents.batch:print_batch", data["document_ids"],
                          current_user.id, name=_("批量打印 %(n)s 份文书",
                                                  n=len(data["document_ids"])),
                          created_by=current_user.id)
        return {"job_id": job.id}

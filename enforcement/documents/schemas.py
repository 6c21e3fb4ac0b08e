"""Marshmallow schemas of the document API (API.md "Documents")."""

from __future__ import annotations

from marshmallow import fields, validate

from enforcement.core.schemas import LocalDateTime, Schema
from enforcement.documents.models import DOCUMENT_STATES


class DocumentCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    case_id = fields.Integer(load_default=None)
    inspection_id = fields.Integer(load_default=None)
    plan_id = fields.Integer(load_default=None)


class DocumentQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(DOCUMENT_STATES))
    kind = fields.String(validate=validate.Length(max=40))
    case_id = fields.Integer()
    inspection_id = fields.Integer()
    plan_id = fields.Integer()


class DocumentActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ["submit", "return", "sign", "issue", "void", "refresh", "correct"]))
    version = fields.Integer(required=True)
    opinion = fields.String(validate=validate.Length(max=5000), load_default=None)
    reason = fields.String(validate=validate.Length(max=500), load_default=None)


class DocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    kind_name = fields.String()
    title = fields.String()
    state = fields.String()
    number = fields.String(allow_none=True)
    sha256 = fields.String(allow_none=True)
    verification_code = fields.String(allow_none=True)
    signatures = fields.List(fields.Dict())
    history = fields.List(fields.Dict())
    opinion = fields.String(allow_none=True)
    version = fields.Integer()
    allowed_actions = fields.List(fields.String())
    case_id = fields.Integer(allow_none=True)
    inspection_id = fields.Integer(allow_none=True)
    plan_id = fields.Integer(allow_none=True)
    template_version = fields.String()
    supersedes_id = fields.Integer(allow_none=True)
    void_reason = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class KindSchema(Schema):
    code = fields.String()
    name = fields.String()
    number_code = fields.String()
    subject = fields.String()
    step = fields.String()
    page_style = fields.String()


class VerificationSchema(Schema):
    valid = fields.Boolean()
    kind = fields.String()
    kind_name = fields.String()
    number = fields.String(allow_none=True)
    issued_on = fields.String(allow_none=True)
    issuer = fields.String()
    sha256 = fields.String(allow_none=True)
    void = fields.Boolean()
    void_reason = fields.String(allow_none=True)


class UploadVerificationSchema(Schema):
    valid = fields.Boolean()
    reason = fields.String()
    document = fields.Nested(VerificationSchema)


class ArchiveSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    pdf_file_id = fields.Integer()
    pdfa_file_id = fields.Integer()
    zip_file_id = fields.Integer()
    pages = fields.Integer()
    manifest = fields.Dict()
    created_at = LocalDateTime()


class PrintJobSchema(Schema):
    document_ids = fields.List(fields.Integer(), required=True,
                               validate=validate.Length(min=1, max=2000))


class PrintJobResultSchema(Schema):
    job_id = fields.String()

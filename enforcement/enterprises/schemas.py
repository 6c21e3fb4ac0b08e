"""API schemas for enterprises, accidents and classifications (API.md "Enterprises")."""

from __future__ import annotations

from marshmallow import fields, validate

from enforcement.core.schemas import LocalDateTime, Schema, VersionedSchema
from enforcement.enterprises.models import CREDIT, GRADES, RISK_CLASSES, SECTORS


class FeaturesSchema(Schema):
    dust_explosion = fields.Boolean()
    metal_dust = fields.Boolean()
    # Negative counts are refused by the service, together with the other domain checks.
    dust_workers = fields.Integer(allow_none=True, validate=validate.Range(max=100000))
    ammonia_refrigeration = fields.Boolean()
    ammonia_tonnes = fields.Decimal(allow_none=True, places=2, as_string=False,
                                    validate=validate.Range(max=1000000))
    confined_space = fields.Boolean()
    confined_space_toxic = fields.Boolean()
    metal_smelting = fields.Boolean()
    major_hazard_level = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=4))
    hazardous_chemicals_use = fields.Boolean()
    hot_work = fields.Boolean()
    work_at_height = fields.Boolean()
    outsourced_construction = fields.Boolean()


class _EnterpriseFields(Schema):
    uscc = fields.String(validate=validate.Length(min=1, max=40))
    name = fields.String(validate=validate.Length(min=1, max=200))
    township = fields.String(validate=validate.Length(min=1, max=40))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    legal_representative = fields.String(allow_none=True, validate=validate.Length(max=60))
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    industry_code = fields.String(allow_none=True, validate=validate.Length(max=8))
    sector = fields.String(allow_none=True, validate=validate.OneOf(SECTORS))
    employees = fields.Integer(allow_none=True, validate=validate.Range(max=10000000))
    standardization_grade = fields.String(allow_none=True, validate=validate.OneOf(GRADES))
    credit_status = fields.String(validate=validate.OneOf(CREDIT))
    features = fields.Nested(FeaturesSchema)


class EnterpriseCreateSchema(_EnterpriseFields):
    uscc = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    township = fields.String(required=True, validate=validate.Length(min=1, max=40))


class EnterprisePatchSchema(VersionedSchema, _EnterpriseFields):
    pass


class EnterpriseSchema(Schema):
    id = fields.Integer()
    uscc = fields.String()
    name = fields.String()
    township = fields.String()
    address = fields.String(allow_none=True)
    legal_representative = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    industry_code = fields.String(allow_none=True)
    sector = fields.String()
    employees = fields.Integer(allow_none=True)
    standardization_grade = fields.String(allow_none=True)
    credit_status = fields.String()
    features = fields.Nested(FeaturesSchema)
    risk_class = fields.String(allow_none=True)
    risk_level = fields.String(allow_none=True)
    risk_score = fields.Integer(allow_none=True)
    risk_overridden = fields.Boolean()
    version = fields.Integer()
    updated_at = LocalDateTime()


class EnterpriseQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=100))
    township = fields.String(validate=validate.Length(max=40))
    sector = fields.String(validate=validate.OneOf(SECTORS))
    risk_class = fields.String(validate=validate.OneOf(RISK_CLASSES))
    feature = fields.String(validate=validate.OneOf(list(FeaturesSchema().fields)))


class AccidentCreateSchema(Schema):
    occurred_on = fields.Date(required=True)
    deaths = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10000))
    serious_injuries = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10000))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class AccidentSchema(Schema):
    id = fields.Integer()
    enterprise_id = fields.Integer()
    occurred_on = fields.Date()
    deaths = fields.Integer()
    serious_injuries = fields.Integer()
    summary = fields.String()
    recorded_at = LocalDateTime()


class FactorSchema(Schema):
    code = fields.String()
    label = fields.String()
    detail = fields.String()


class ClassificationSchema(Schema):
    id = fields.Integer()
    risk_class = fields.String()
    risk_level = fields.String()
    score = fields.Integer()
    factors = fields.List(fields.Nested(FactorSchema))
    ruleset = fields.String()
    evaluated_at = LocalDateTime()
    overridden = fields.Boolean()
    override_reason = fields.String(allow_none=True)
    computed_class = fields.String(allow_none=True)
    trigger = fields.String()


class OverrideSchema(Schema):
    risk_class = fields.String(required=True, allow_none=True,
                               validate=validate.OneOf(RISK_CLASSES))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class JobAcceptedSchema(Schema):
    job_id = fields.String()


class ImportFormSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=True)


class ExportQuerySchema(EnterpriseQuerySchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class OfficerRelationSchema(Schema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(required=True)
    relation = fields.String(required=True, validate=validate.Length(min=1, max=200))
    declared_at = LocalDateTime(dump_only=True)

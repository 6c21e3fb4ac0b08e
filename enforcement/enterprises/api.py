"""REST: the enterprise registry and risk classification (API.md "Enterprises", "Risk
classification")."""

from __future__ import annotations

from pathlib import Path

from flask import Response, json
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core import jobs, storage
from enforcement.core.api import ApiBlueprint, paginate_scan
from enforcement.core.errors import UnsupportedMediaType
from enforcement.core.forms import XLSX, download
from enforcement.core.permissions import P, require
from enforcement.enterprises import importer, service
from enforcement.enterprises import schemas as s
from enforcement.extensions import db

blp = ApiBlueprint("enterprises_api", __name__, url_prefix="/api/v1",
                   description="企业库与分类分级 Enterprise registry and risk classes")



def _filters(query) -> service.Filters:
    return service.Filters(q=query.get("q"), township=query.get("township"),
                           sector=query.get("sector"), risk_class=query.get("risk_class"),
                           feature=query.get("feature"))


def _payload(data: dict) -> dict:
    """Flatten ``features`` into the model's columns."""
    data = dict(data)
    data.pop("version", None)
    data.update(data.pop("features", None) or {})
    return data


@blp.route("/enterprises")
class Enterprises(MethodView):
    @require(P.ENTERPRISES_READ)
    @blp.arguments(s.EnterpriseQuerySchema, location="query")
    @blp.response(200, s.EnterpriseSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Search by name (as typed, pinyin, initials, traditional) or credit code; filter."""
        return paginate_scan(service.search(_filters(query)), pagination_parameters)

    @require(P.ENTERPRISES_EDIT)
    @blp.arguments(s.EnterpriseCreateSchema)
    @blp.response(201, s.EnterpriseSchema)
    def post(self, data):
        """Register an enterprise; it is classified at once."""
        return service.create_enterprise(_payload(data), current_user.id)


@blp.route("/enterprises/<int:enterprise_id>")
class EnterpriseItem(MethodView):
    @require(P.ENTERPRISES_READ)
    @blp.response(200, s.EnterpriseSchema)
    def get(self, enterprise_id):
        return service.get_enterprise(enterprise_id)

    @require(P.ENTERPRISES_EDIT)
    @blp.arguments(s.EnterprisePatchSchema)
    @blp.response(200, s.EnterpriseSchema)
    def patch(self, data, enterprise_id):
        """Edit; send the ``version`` you read. Changed features re-classify."""
        enterprise = service.get_enterprise(enterprise_id)
        return service.update_enterprise(enterprise, data["version"], _payload(data),
                                         current_user.id)


@blp.route("/enterprises/<int:enterprise_id>/accidents")
class Accidents(MethodView):
    @require(P.ENTERPRISES_READ)
    @blp.response(200, s.AccidentSchema(many=True))
    def get(self, enterprise_id):
        return service.get_enterprise(enterprise_id).accidents

    @require(P.ENTERPRISES_EDIT)
    @blp.arguments(s.AccidentCreateSchema)
    @blp.response(201, s.AccidentSchema)
    def post(self, data, enterprise_id):
        """Record an accident; the enterprise is re-classified."""
        enterprise = service.get_enterprise(enterprise_id)
        return service.add_accident(enterprise, data["occurred_on"], data["deaths"],
                                    data["serious_injuries"], data["summary"], current_user.id)


@blp.route("/enterprises/<int:enterprise_id>/officer-relations")
class OfficerRelations(MethodView):
    @require(P.ENTERPRISES_READ)
    @blp.response(200, s.OfficerRelationSchema(many=True))
    def get(self, enterprise_id):
        from enforcement.enterprises.models import OfficerRelation

        service.get_enterprise(enterprise_id)
        return db.session.scalars(db.select(OfficerRelation).where(
            OfficerRelation.enterprise_id == enterprise_id)).all()

    @require(P.ENTERPRISES_READ)
    @blp.arguments(s.OfficerRelationSchema)
    @blp.response(201, s.OfficerRelationSchema)
    def post(self, data, enterprise_id):
        """An officer declares a relationship requiring 回避 (a leader may record it for them);
        the officer is then never on this enterprise's inspection team."""
        from enforcement.auth import service as accounts

        enterprise = service.get_enterprise(enterprise_id)
        return service.declare_officer_relation(enterprise, accounts.get_user(data["user_id"]),
                                                data["relation"], declared_by=current_user)


def _classification_body(record) -> dict:
    return s.ClassificationSchema().dump(record)


@blp.route("/enterprises/<int:enterprise_id>/classification")
class ClassificationNow(MethodView):
    @require(P.ENTERPRISES_CLASSIFY)
    @blp.response(200, s.ClassificationSchema)
    def post(self, enterprise_id):
        """Evaluate now with the current ruleset; the result names every factor that fired."""
        enterprise = service.get_enterprise(enterprise_id)
        service.classify(enterprise, trigger="requested", user_id=current_user.id)
        return service.current_classification(enterprise)

    @require(P.ENTERPRISES_READ)
    @blp.response(200, s.ClassificationSchema)
    def get(self, enterprise_id):
        """The classification in force (a leader's override when there is one)."""
        return service.current_classification(service.get_enterprise(enterprise_id))


@blp.route("/enterprises/<int:enterprise_id>/classifications")
class ClassificationHistory(MethodView):
    @require(P.ENTERPRISES_READ)
    @blp.response(200, s.ClassificationSchema(many=True))
    def get(self, enterprise_id):
        """Every evaluation and override, newest first."""
        return service.history(service.get_enterprise(enterprise_id))


@blp.route("/enterprises/<int:enterprise_id>/classification/override")
class ClassificationOverride(MethodView):
    @require(P.ENTERPRISES_OVERRIDE)
    @blp.arguments(s.OverrideSchema)
    @blp.response(200, s.ClassificationSchema)
    def put(self, data, enterprise_id):
        """A leader sets the class by hand (reason required); ``risk_class: null`` lifts it."""
        enterprise = service.get_enterprise(enterprise_id)
        return service.override(enterprise, data["risk_class"], data["reason"], current_user.id)


@blp.route("/classifications/run")
class ClassifyAll(MethodView):
    @require(P.ENTERPRISES_CLASSIFY)
    @blp.response(202, s.JobAcceptedSchema)
    def post(self):
        """Re-evaluate every enterprise as a background job."""
        job = jobs.submit("enforcement.enterprises.jobs:classify_all", current_user.id,
                          name=_("重新评估全部企业分类"), created_by=current_user.id)
        return {"job_id": job.id}


@blp.route("/enterprises/import")
class Import(MethodView):
    @require(P.ENTERPRISES_EDIT)
    @blp.arguments(s.ImportQuerySchema, location="query")
    @blp.arguments(s.ImportFormSchema, location="files")
    @blp.response(200)
    def post(self, query, files):
        """Import .xlsx/.csv (``dry_run=true`` only reports). Any error: 422, nothing written."""
        from flask import request

        dry_run = query["dry_run"]
        form_flag = request.form.get("dry_run")
        if form_flag is not None:
            dry_run = form_flag.strip().lower() in ("1", "true", "yes", "on")
        upload = files["file"]
        record = storage.store(upload.stream, upload.filename, current_user.id)
        if record.content_type not in (XLSX, "text/csv", "text/plain"):
            raise UnsupportedMediaType(_("只能导入 .xlsx 或 .csv 文件。"))
        try:
            report, planned = importer.analyse(Path(storage.verified_path(record.sha256)),
                                               record.content_type, for_commit=not dry_run)
        except importer.SheetError as exc:
            report, planned = importer.Report(errors=[importer.RowIssue(1, "", str(exc))]), []
        body = report.as_dict()
        body["dry_run"] = dry_run
        if report.errors and not dry_run:
            db.session.rollback()
            problem = {"type": "/problems/import-rejected", "title": _("导入数据有误"),
                       "status": 422,
                       "detail": _("共 %(n)s 处错误，未写入任何数据。", n=len(report.errors)),
                       **body}
            return Response(json.dumps(problem, ensure_ascii=False), status=422,
                            mimetype="application/problem+json")
        if not dry_run:
            importer.commit(planned, current_user.id)
        return body


@blp.route("/enterprises/import-template")
class ImportTemplate(MethodView):
    @require(P.ENTERPRISES_READ)
    @blp.response(200, content_type=XLSX)
    def get(self):
        """The import sheet with its Chinese headers and a sheet of instructions."""
        return download(importer.export_xlsx(None, template=True), "企业导入模板.xlsx", XLSX)


@blp.route("/enterprises/export")
class Export(MethodView):
    @require(P.ENTERPRISES_READ)
    @blp.arguments(s.ExportQuerySchema, location="query")
    @blp.response(200, content_type=XLSX)
    def get(self, query):
        """The (filtered) list as .xlsx or .csv."""
        stmt = service.search(_filters(query))
        if query["format"] == "csv":
            return download(importer.export_csv(stmt), "企业名单.csv", "text/csv; charset=utf-8")
        return download(importer.export_xlsx(stmt), "企业名单.xlsx", XLSX)

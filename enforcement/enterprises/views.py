"""Pages of the registry: list and search, detail with the class and its reasons, forms,
import with a dry run, and the overview charts."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from enforcement.core import jobs, storage
from enforcement.core.errors import DomainError, StaleVersion, ValidationFailed
from enforcement.core.forms import XLSX, download, error_messages, parse_form
from enforcement.core.i18n import N_
from enforcement.core.permissions import P, require
from enforcement.enterprises import registry, sectors, service
from enforcement.enterprises import schemas as s
from enforcement.enterprises.models import FEATURE_FIELDS, RISK_CLASSES, Enterprise
from enforcement.extensions import db

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")

BOOL_FEATURES = [f for f in FEATURE_FIELDS
                 if f not in ("dust_workers", "ammonia_tonnes", "major_hazard_level")]
FEATURE_LABELS = {
    "dust_explosion": N_("粉尘涉爆"), "metal_dust": N_("涉金属粉尘"),
    "dust_workers": N_("粉尘作业人数"),
    "ammonia_refrigeration": N_("涉氨制冷"), "ammonia_tonnes": N_("液氨储量（吨）"),
    "confined_space": N_("有限空间"), "confined_space_toxic": N_("有限空间有毒有害"),
    "metal_smelting": N_("金属冶炼"), "major_hazard_level": N_("重大危险源等级"),
    "hazardous_chemicals_use": N_("危化品使用"),
    "hot_work": N_("动火（电气焊）作业"), "work_at_height": N_("高处作业"),
    "outsourced_construction": N_("外包施工"),
}


def _page_context() -> dict:
    tables = registry.tables()
    return {"townships": tables.townships.names, "sector_labels": sectors.SECTOR_LABELS,
            "risk_classes": RISK_CLASSES, "ruleset": tables.ruleset,
            "feature_labels": FEATURE_LABELS, "bool_features": BOOL_FEATURES}


@bp.route("/")
@require(P.ENTERPRISES_READ)
def index():
    data, errors = parse_form(s.EnterpriseQuerySchema(unknown=ma.EXCLUDE), request.args)
    filters = service.Filters(**(data or {}))
    page = db.paginate(service.search(filters), per_page=30, max_per_page=100)
    return render_template("enterprises/index.html", page=page, filters=request.args,
                           errors=errors, **_page_context())


@bp.route("/<int:enterprise_id>")
@require(P.ENTERPRISES_READ)
def detail(enterprise_id: int):
    enterprise = service.get_enterprise(enterprise_id)
    return render_template("enterprises/detail.html", e=enterprise,
                           current=service.current_classification(enterprise),
                           history=service.history(enterprise), errors={},
                           **_page_context())


def _form_payload(form) -> tuple[dict | None, dict]:
    raw = {k: v for k, v in form.items() if k not in ("csrf_token", *BOOL_FEATURES)
           and k not in FEATURE_FIELDS}
    features = {f: (f in form) for f in BOOL_FEATURES}
    for field in ("dust_workers", "ammonia_tonnes", "major_hazard_level"):
        value = (form.get(field) or "").strip()
        features[field] = value or None
    raw = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in raw.items()}
    raw["features"] = features
    schema = s.EnterprisePatchSchema() if "version" in form else s.EnterpriseCreateSchema()
    try:
        data = schema.load({k: v for k, v in raw.items() if v is not None or k in (
            "address", "legal_representative", "contact_phone", "industry_code", "sector",
            "employees", "standardization_grade")})
    except ma.ValidationError as err:
        from enforcement.core.api import flatten_errors
        from enforcement.core.schemas import translate_errors

        return None, translate_errors(flatten_errors(err.messages))
    data = dict(data)
    data.update(data.pop("features", {}))
    return data, {}


@bp.route("/new", methods=["GET", "POST"])
@require(P.ENTERPRISES_EDIT)
def new():
    errors: dict = {}
    status = 200
    if request.method == "POST":
        data, errors = _form_payload(request.form)
        if data is not None:
            try:
                enterprise = service.create_enterprise(data, current_user.id)
            except ValidationFailed as err:
                errors = err.errors or {}
            else:
                flash(_("已登记 %(name)s，分类为 %(c)s 类。", name=enterprise.name,
                        c=enterprise.risk_class), "success")
                return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
        status = 422
    return render_template("enterprises/form.html", e=None, form=request.form, errors=errors,
                           **_page_context()), status


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@require(P.ENTERPRISES_EDIT)
def edit(enterprise_id: int):
    enterprise = service.get_enterprise(enterprise_id)
    errors: dict = {}
    status = 200
    form = request.form if request.method == "POST" else None
    if request.method == "POST":
        data, errors = _form_payload(request.form)
        if data is not None:
            version = data.pop("version")
            try:
                service.update_enterprise(enterprise, version, data, current_user.id)
            except StaleVersion as err:
                db.session.rollback()
                enterprise = service.get_enterprise(enterprise_id)
                flash(str(err.detail), "danger")
                form, status = None, 409
            except ValidationFailed as err:
                errors, status = err.errors or {}, 422
            else:
                flash(_("已保存。"), "success")
                return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
        else:
            status = 422
    return render_template("enterprises/form.html", e=enterprise, form=form, errors=errors,
                           **_page_context()), status


@bp.route("/<int:enterprise_id>/accidents", methods=["POST"])
@require(P.ENTERPRISES_EDIT)
def add_accident(enterprise_id: int):
    enterprise = service.get_enterprise(enterprise_id)
    data, errors = parse_form(s.AccidentCreateSchema(), request.form)
    if data is not None:
        try:
            service.add_accident(enterprise, data["occurred_on"], data["deaths"],
                                 data["serious_injuries"], data["summary"], current_user.id)
        except ValidationFailed as err:
            errors = err.errors or {}
    if errors:
        db.session.rollback()
        for field, messages in errors.items():
            flash(f"{field}: {'；'.join(messages)}", "danger")
    else:
        flash(_("已记录事故，并重新评估分类。"), "success")
    return redirect(url_for("enterprises.detail", enterprise_id=enterprise_id) + "#accidents")


@bp.route("/<int:enterprise_id>/classify", methods=["POST"])
@require(P.ENTERPRISES_CLASSIFY)
def classify(enterprise_id: int):
    enterprise = service.get_enterprise(enterprise_id)
    service.classify(enterprise, trigger="requested", user_id=current_user.id)
    flash(_("已按现行规则重新评估。"), "success")
    return redirect(url_for("enterprises.detail", enterprise_id=enterprise_id))


@bp.route("/<int:enterprise_id>/override", methods=["POST"])
@require(P.ENTERPRISES_OVERRIDE)
def override(enterprise_id: int):
    enterprise = service.get_enterprise(enterprise_id)
    risk_class = request.form.get("risk_class") or None
    try:
        service.override(enterprise, risk_class, request.form.get("reason", ""), current_user.id)
    except ValidationFailed as err:
        db.session.rollback()
        flash("；".join(error_messages(err)), "danger")
    else:
        flash(_("已调整分类。") if risk_class else _("已取消人工调整。"), "success")
    return redirect(url_for("enterprises.detail", enterprise_id=enterprise_id))


@bp.route("/import", methods=["GET", "POST"])
@require(P.ENTERPRISES_EDIT)
def import_sheet():
    """Upload → dry run as a job → report → confirm → import as a job."""
    if request.method == "POST":
        file_id = request.form.get("file_id", type=int)
        dry_run = request.form.get("confirm") != "1"
        try:
            if file_id is None:
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise ValidationFailed(_("请选择要导入的文件。"))
                record = storage.store(upload.stream, upload.filename, current_user.id)
                if record.content_type not in (XLSX, "text/csv", "text/plain"):
                    raise ValidationFailed(_("只能导入 .xlsx 或 .csv 文件。"))
                file_id = record.id
            else:
                storage.get_file(file_id)
        except DomainError as err:
            db.session.rollback()
            flash(str(err.detail), "danger")
            return render_template("enterprises/import.html", job=None), 422
        name = _("企业导入（试运行）") if dry_run else _("企业导入")
        job = jobs.submit("enforcement.enterprises.jobs:import_sheet", file_id, dry_run,
                          current_user.id, name=name, created_by=current_user.id)
        return redirect(url_for("enterprises.import_result", job_id=job.id, file_id=file_id))
    return render_template("enterprises/import.html", job=None)


@bp.route("/import/<job_id>")
@require(P.ENTERPRISES_EDIT)
def import_result(job_id: str):
    from enforcement.system import service as system_service

    job = jobs.status_of(system_service.job_for(current_user, job_id))
    template = "enterprises/_import_result.html" if request.headers.get("HX-Request") \
        else "enterprises/import.html"
    return render_template(template, job=job, file_id=request.args.get("file_id", type=int))


@bp.route("/overview")
@require(P.ENTERPRISES_READ)
def overview():
    def grouped(column):
        return db.session.execute(sa.select(column, Enterprise.risk_class, sa.func.count())
                                  .group_by(column, Enterprise.risk_class)).all()

    by_class = dict(db.session.execute(sa.select(Enterprise.risk_class, sa.func.count())
                                       .group_by(Enterprise.risk_class)).all())
    townships = _pivot(grouped(Enterprise.township))
    sector_rows = _pivot(grouped(Enterprise.sector))
    labels = sectors.SECTOR_LABELS
    return render_template(
        "enterprises/overview.html", by_class=by_class, by_township=townships,
        total=sum(by_class.values()),
        chart_townships=_chart(townships, {k: k for k in townships}),
        chart_sectors=_chart(sector_rows, {k: labels.get(k, k) for k in sector_rows}),
        **_page_context())


CLASS_COLORS = {"A": "#d9383a", "B": "#f08a24", "C": "#e6c300", "D": "#2f7ed8"}


def _chart(table: dict[str, dict[str, int]], labels: dict[str, str]) -> dict:
    return {"categories": [labels[k] for k in table], "keys": list(table),
            "series": list(RISK_CLASSES), "data": list(table.values()), "colors": CLASS_COLORS}


def _pivot(rows) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for key, risk_class, count in rows:
        table.setdefault(key, {c: 0 for c in RISK_CLASSES})[risk_class or "D"] += count
    return dict(sorted(table.items(), key=lambda kv: -sum(kv[1].values())))


@bp.route("/export")
@require(P.ENTERPRISES_READ)
def export():
    from enforcement.enterprises import importer

    data, _errors = parse_form(s.ExportQuerySchema(unknown=ma.EXCLUDE), request.args)
    data = data or {"format": "xlsx"}
    fmt = data.pop("format", "xlsx")
    stmt = service.search(service.Filters(**data))
    if fmt == "csv":
        return download(importer.export_csv(stmt), "企业名单.csv", "text/csv; charset=utf-8")
    return download(importer.export_xlsx(stmt), "企业名单.xlsx", XLSX)


@bp.route("/import-template")
@require(P.ENTERPRISES_READ)
def template():
    from enforcement.enterprises import importer

    return download(importer.export_xlsx(None, template=True), "企业导入模板.xlsx", XLSX)

"""企业库 — the registry's operations: create, edit, search, accidents, classification.

Services flush, never commit. Every change is audited by the models' ``Audited`` mixin; a
classification names its ruleset and the factors that set it (安全生产法 第六十二条:
分类分级监督管理).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from enforcement.core import audit, clock, text
from enforcement.core.errors import NotFound, ValidationFailed
from enforcement.enterprises import registry, rules, sectors, uscc
from enforcement.enterprises.models import (
    CREDIT,
    FEATURE_FIELDS,
    GRADES,
    RISK_CLASSES,
    RISK_FEATURES,
    Accident,
    Classification,
    Enterprise,
    OfficerRelation,
)
from enforcement.extensions import db

EDITABLE = ("uscc", "name", "township", "address", "legal_representative", "contact_phone",
            "industry_code", "sector", "employees", "standardization_grade", "credit_status",
            *FEATURE_FIELDS)
RULE_INPUTS = frozenset({"sector", "employees", "standardization_grade", "credit_status",
                         *RISK_FEATURES})


# -- reading ----------------------------------------------------------------------------------

def get_enterprise(enterprise_id: int) -> Enterprise:
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(_("企业 %(id)s 不存在", id=enterprise_id))
    return enterprise


@dataclass
class Filters:
    q: str | None = None
    township: str | None = None
    sector: str | None = None
    risk_class: str | None = None
    feature: str | None = None


def search(filters: Filters):
    """A select of enterprises: ``q`` matches the name (as typed, traditional or full-width,
    full pinyin or initials) or the credit code; best matches first."""
    stmt = sa.select(Enterprise)
    if filters.township:
        stmt = stmt.where(Enterprise.township == filters.township)
    if filters.sector:
        stmt = stmt.where(Enterprise.sector == filters.sector)
    if filters.risk_class:
        stmt = stmt.where(Enterprise.risk_class == filters.risk_class)
    if filters.feature in FEATURE_FIELDS:
        column = getattr(Enterprise, filters.feature)
        stmt = stmt.where(column.is_not(None) if filters.feature in (
            "dust_workers", "ammonia_tonnes", "major_hazard_level") else column.is_(True))
    order: list[Any] = []
    q = (filters.q or "").strip()[:100]
    if q:
        keys = text.search_keys(q)
        matches = []
        if keys.compact:
            matches.append(Enterprise.name_compact.contains(keys.compact, autoescape=True))
            order.append(sa.case((Enterprise.name_compact == keys.compact, 0),
                                 (Enterprise.name_compact.startswith(keys.compact,
                                                                     autoescape=True), 1),
                                 else_=2))
        code = uscc.normalize(q)
        if len(code) >= 4 and code.isalnum():
            matches.append(Enterprise.uscc.contains(code, autoescape=True))
        if text.looks_like_pinyin(keys.compact):
            matches.append(Enterprise.name_pinyin.contains(keys.pinyin, autoescape=True))
        if text.looks_like_initials(keys.compact):
            matches.append(Enterprise.name_initials.contains(keys.compact, autoescape=True))
        stmt = stmt.where(sa.or_(*matches)) if matches else stmt.where(sa.false())
    order += [sa.case(*[(Enterprise.risk_class == c, i) for i, c in enumerate(RISK_CLASSES)],
                      else_=9), Enterprise.id]
    return stmt.order_by(*order)


# -- writing ----------------------------------------------------------------------------------

def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Trim text, normalise codes; empty strings become None."""
    out = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        out[key] = value
    if out.get("uscc"):
        out["uscc"] = uscc.normalize(out["uscc"])
    if out.get("industry_code"):
        out["industry_code"] = sectors.normalize_industry_code(out["industry_code"]) \
            or out["industry_code"]
    if out.get("name"):
        out["name"] = " ".join(out["name"].split())
    return out


def validate(data: dict[str, Any], current: Enterprise | None = None) -> dict[str, list[str]]:
    """Domain checks beyond the schema: credit code, uniqueness, township, industry code."""
    errors: dict[str, list[str]] = {}
    tables = registry.tables()
    if "uscc" in data:
        code = data["uscc"]
        if not code:
            errors["uscc"] = [_("统一社会信用代码不能为空。")]
        else:
            problems = uscc.validate(code)
            if problems:
                errors["uscc"] = problems
            else:
                clash = db.session.scalar(sa.select(Enterprise).where(Enterprise.uscc == code))
                if clash is not None and clash is not current:
                    errors["uscc"] = [_("统一社会信用代码已登记（企业：%(name)s）。",
                                        name=clash.name)]
    if "name" in data and not data["name"]:
        errors["name"] = [_("企业名称不能为空。")]
    if "township" in data and data["township"] not in tables.townships:
        errors["township"] = [_("未知乡镇（街道）“%(t)s”，应为：%(all)s",
                                t=data["township"] or "", all="、".join(tables.townships.names))]
    if data.get("industry_code"):
        problems = sectors.industry_code_problems(data["industry_code"])
        if problems:
            errors["industry_code"] = problems
    for field in ("employees", "dust_workers"):
        if data.get(field) is not None and data[field] < 0:
            errors[field] = [_("不能为负数。")]
    if data.get("ammonia_tonnes") is not None and data["ammonia_tonnes"] < 0:
        errors["ammonia_tonnes"] = [_("不能为负数。")]
    if data.get("standardization_grade") not in (None, *GRADES):
        errors["standardization_grade"] = [_("应为 1、2、3 或空（未定级）。")]
    if "credit_status" in data and data["credit_status"] not in CREDIT:
        errors["credit_status"] = [_("应为 normal 或 serious_dishonest。")]
    return errors


def _apply(enterprise: Enterprise, data: dict[str, Any]) -> set[str]:
    """Set fields; derive the sector and the search keys. Returns the names that changed."""
    changed = set()
    if "sector" in data:
        enterprise.sector_set_by_hand = data["sector"] is not None
        if data["sector"] is None:
            data = {k: v for k, v in data.items() if k != "sector"}
    if data.get("confined_space_toxic"):
        data = {**data, "confined_space": True}  # toxic confined space is a confined space
    for key, value in data.items():
        if key in EDITABLE and getattr(enterprise, key) != value:
            setattr(enterprise, key, value)
            changed.add(key)
    if not enterprise.sector_set_by_hand:
        derived = registry.tables().sectors.sector_for(enterprise.industry_code or "") or "other"
        if enterprise.sector != derived:
            enterprise.sector = derived
            changed.add("sector")
    if "name" in changed:
        keys = text.search_keys(enterprise.name)
        enterprise.name_compact, enterprise.name_pinyin, enterprise.name_initials = \
            keys.compact, keys.pinyin, keys.initials
    return changed


def create_enterprise(data: dict[str, Any], user_id: int | None) -> Enterprise:
    data = _clean(data)
    for required in ("uscc", "name", "township"):
        data.setdefault(required, None)
    errors = validate(data)
    if errors:
        raise ValidationFailed(_("企业信息有误"), errors=errors)
    enterprise = Enterprise(credit_status="normal", sector="other", sector_set_by_hand=False,
                            **{f: False for f in FEATURE_FIELDS
                               if f not in ("dust_workers", "ammonia_tonnes",
                                            "major_hazard_level")})
    _apply(enterprise, data)
    db.session.add(enterprise)
    db.session.flush()
    classify(enterprise, trigger="created", user_id=user_id)
    return enterprise


def update_enterprise(enterprise: Enterprise, version: int, data: dict[str, Any],
                      user_id: int | None) -> Enterprise:
    enterprise.check_version(version)
    data = _clean(data)
    errors = validate(data, current=enterprise)
    if errors:
        raise ValidationFailed(_("企业信息有误"), errors=errors)
    changed = _apply(enterprise, data)
    db.session.flush()
    if changed & RULE_INPUTS:
        classify(enterprise, trigger="features_changed", user_id=user_id)
    return enterprise


def add_accident(enterprise: Enterprise, occurred_on: date, deaths: int, serious_injuries: int,
                 summary: str, user_id: int | None) -> Accident:
    errors = {}
    if occurred_on > clock.today():
        errors["occurred_on"] = [_("事故日期不能晚于今天。")]
    if deaths < 0 or serious_injuries < 0:
        errors["deaths"] = [_("不能为负数。")]
    if not (summary or "").strip():
        errors["summary"] = [_("请填写事故概况。")]
    if errors:
        raise ValidationFailed(_("事故信息有误"), errors=errors)
    accident = Accident(enterprise_id=enterprise.id, occurred_on=occurred_on, deaths=deaths,
                        serious_injuries=serious_injuries, summary=summary.strip(),
                        recorded_by=user_id, recorded_at=clock.now())
    db.session.add(accident)
    db.session.flush()
    classify(enterprise, trigger="accident_recorded", user_id=user_id)
    return accident


# -- classification ---------------------------------------------------------------------------

# Later modules feed facts the rules read (open major hazards from inspections, penalties from
# cases) without the registry importing them: each source maps enterprise ids and today to
# {id: {fact: value}}.
FactSource = Callable[[list[int], date], dict[int, dict[str, int]]]
_fact_sources: list[FactSource] = []


def add_fact_source(source: FactSource) -> None:
    if source not in _fact_sources:
        _fact_sources.append(source)


def _extra_facts(ids: list[int], today: date) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for source in _fact_sources:
        for enterprise_id, facts in source(ids, today).items():
            out.setdefault(enterprise_id, {}).update(facts)
    return out


def facts_for(enterprise: Enterprise, *, today: date | None = None,
              accidents: list[Accident] | None = None) -> rules.EnterpriseFacts:
    """What the rules look at. Counts over the last 12 months end today (Asia/Shanghai)."""
    today = today or clock.today()
    since = today - timedelta(days=365)
    if accidents is None:
        accidents = list(db.session.scalars(sa.select(Accident).where(
            Accident.enterprise_id == enterprise.id, Accident.occurred_on > since)))
    recent = [a for a in accidents if a.occurred_on > since]
    return rules.EnterpriseFacts(
        sector=enterprise.sector, employees=enterprise.employees,
        standardization_grade=enterprise.standardization_grade,
        credit_status=enterprise.credit_status,
        dust_explosion=enterprise.dust_explosion, metal_dust=enterprise.metal_dust,
        dust_workers=enterprise.dust_workers,
        ammonia_refrigeration=enterprise.ammonia_refrigeration,
        ammonia_tonnes=float(enterprise.ammonia_tonnes)
        if enterprise.ammonia_tonnes is not None else None,
        confined_space=enterprise.confined_space,
        confined_space_toxic=enterprise.confined_space_toxic,
        metal_smelting=enterprise.metal_smelting,
        major_hazard_level=enterprise.major_hazard_level,
        hazardous_chemicals_use=enterprise.hazardous_chemicals_use,
        deaths_12m=sum(a.deaths for a in recent),
        serious_injuries_12m=sum(a.serious_injuries for a in recent),
        accidents_12m=len(recent),
        **_extra_facts([enterprise.id], today).get(enterprise.id, {}))


FACT_COLUMNS = ("sector", "employees", "standardization_grade", "credit_status",
                *RISK_FEATURES)


def facts_for_many(ids: list[int], *, today: date | None = None
                   ) -> list[tuple[int, bool, rules.EnterpriseFacts]]:
    """(id, overridden, facts) for many enterprises in two queries (bulk classification)."""
    today = today or clock.today()
    since = today - timedelta(days=365)
    recent: dict[int, list[tuple[int, int]]] = {}
    for enterprise_id, deaths, injuries in db.session.execute(
            sa.select(Accident.enterprise_id, Accident.deaths, Accident.serious_injuries)
            .where(Accident.enterprise_id.in_(ids), Accident.occurred_on > since)):
        recent.setdefault(enterprise_id, []).append((deaths, injuries))
    columns = [getattr(Enterprise, c) for c in FACT_COLUMNS]
    extra = _extra_facts(ids, today)
    out = []
    for row in db.session.execute(sa.select(Enterprise.id, Enterprise.risk_overridden, *columns)
                                  .where(Enterprise.id.in_(ids))):
        values = dict(zip(FACT_COLUMNS, row[2:], strict=True))
        if values["ammonia_tonnes"] is not None:
            values["ammonia_tonnes"] = float(values["ammonia_tonnes"])
        accidents = recent.get(row[0], ())
        out.append((row[0], row[1], rules.EnterpriseFacts(
            **values, deaths_12m=sum(a[0] for a in accidents),
            serious_injuries_12m=sum(a[1] for a in accidents), accidents_12m=len(accidents),
            **extra.get(row[0], {}))))
    return out


def _factor_dicts(evaluation: rules.Evaluation) -> list[dict[str, str]]:
    return [{"code": f.code, "label": f.label, "detail": f.detail, "class": f.risk_class}
            for f in evaluation.factors]


def classify(enterprise: Enterprise, *, trigger: str, user_id: int | None) -> Classification:
    """Evaluate now and keep the result; a leader's override stays in force (and is shown)."""
    ruleset = registry.tables().ruleset
    evaluation = ruleset.evaluate(facts_for(enterprise))
    override = _current_override(enterprise) if enterprise.risk_overridden else None
    record = Classification(
        enterprise_id=enterprise.id, risk_class=evaluation.risk_class,
        risk_level=evaluation.risk_level, score=evaluation.score,
        factors=_factor_dicts(evaluation), ruleset=evaluation.ruleset,
        evaluated_at=clock.now(), trigger=trigger, evaluated_by=user_id)
    db.session.add(record)
    if override is None:
        _set_current(enterprise, evaluation.risk_class, evaluation.risk_level, evaluation.score)
    db.session.flush()
    return record


def _set_current(enterprise: Enterprise, risk_class: str, risk_level: str, score: int) -> None:
    if (enterprise.risk_class, enterprise.risk_level, enterprise.risk_score) != \
            (risk_class, risk_level, score):
        enterprise.risk_class, enterprise.risk_level, enterprise.risk_score = \
            risk_class, risk_level, score


def _current_override(enterprise: Enterprise) -> Classification | None:
    return db.session.scalar(
        sa.select(Classification).where(Classification.enterprise_id == enterprise.id,
                                        Classification.overridden.is_(True))
        .order_by(Classification.evaluated_at.desc(), Classification.id.desc()).limit(1))


def override(enterprise: Enterprise, risk_class: str | None, reason: str,
             user_id: int | None) -> Classification:
    """负责人调整分类 — a leader sets the class by hand, with a reason; ``None`` lifts it."""
    reason = (reason or "").strip()
    errors = {}
    if len(reason) < 4:
        errors["reason"] = [_("请写明调整理由（至少 4 个字）。")]
    if risk_class is not None and risk_class not in RISK_CLASSES:
        errors["risk_class"] = [_("应为 A、B、C、D 之一。")]
    if errors:
        raise ValidationFailed(_("调整分类的信息有误"), errors=errors)
    ruleset = registry.tables().ruleset
    evaluation = ruleset.evaluate(facts_for(enterprise))
    if risk_class is None:
        enterprise.risk_overridden = False
        record = classify(enterprise, trigger="override_lifted", user_id=user_id)
        record.override_reason = reason
        audit.record("classification_override_lifted", "enterprises", enterprise.id,
                     changes={"reason": reason})
        return record
    record = Classification(
        enterprise_id=enterprise.id, risk_class=risk_class,
        risk_level=ruleset.level_of(risk_class), score=evaluation.score,
        factors=_factor_dicts(evaluation), ruleset=evaluation.ruleset,
        evaluated_at=clock.now(), trigger="override", overridden=True,
        override_reason=reason, computed_class=evaluation.risk_class, evaluated_by=user_id)
    db.session.add(record)
    enterprise.risk_overridden = True
    _set_current(enterprise, risk_class, ruleset.level_of(risk_class), evaluation.score)
    db.session.flush()
    audit.record("classification_overridden", "enterprises", enterprise.id,
                 changes={"risk_class": [evaluation.risk_class, risk_class], "reason": reason})
    return record


def history(enterprise: Enterprise) -> list[Classification]:
    return list(db.session.scalars(
        sa.select(Classification).where(Classification.enterprise_id == enterprise.id)
        .order_by(Classification.evaluated_at.desc(), Classification.id.desc())))


def current_classification(enterprise: Enterprise) -> Classification | None:
    if enterprise.risk_overridden:
        return _current_override(enterprise)
    return db.session.scalar(
        sa.select(Classification).where(Classification.enterprise_id == enterprise.id)
        .order_by(Classification.evaluated_at.desc(), Classification.id.desc()).limit(1))


def as_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def declare_officer_relation(enterprise: Enterprise, user, relation: str, *,
                             declared_by) -> OfficerRelation:
    """An officer declares (or a leader records) a relationship that requires 回避."""
    from enforcement.core.errors import Forbidden

    if declared_by.id != user.id and not declared_by.has_role("leader"):
        raise Forbidden(_("只能申报本人的回避事由（负责人可代为登记）"))
    if not user.has_role("officer"):
        raise ValidationFailed(_("只能为执法人员登记回避"),
                               errors={"user_id": [_("该用户不是执法人员。")]})
    if not (relation or "").strip():
        raise ValidationFailed(_("请说明关系"), errors={"relation": [_("请说明关系。")]})
    existing = db.session.scalar(sa.select(OfficerRelation).where(
        OfficerRelation.user_id == user.id, OfficerRelation.enterprise_id == enterprise.id))
    if existing is not None:
        existing.relation = relation.strip()
        db.session.flush()
        return existing
    record = OfficerRelation(user_id=user.id, enterprise_id=enterprise.id,
                             relation=relation.strip(), declared_at=clock.now())
    db.session.add(record)
    db.session.flush()
    return record


def officer_exclusions() -> dict[int, set[int]]:
    """user id → the enterprises that officer must not inspect."""
    out: dict[int, set[int]] = {}
    for user_id, enterprise_id in db.session.execute(
            sa.select(OfficerRelation.user_id, OfficerRelation.enterprise_id)):
        out.setdefault(user_id, set()).add(enterprise_id)
    return out

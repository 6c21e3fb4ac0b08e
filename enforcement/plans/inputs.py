"""What an annual plan is made from: the inputs, the rules file and the deduction categories.

Pure data and validation, no database and no Flask. The rules (minimum visits and caps per risk
class, random-draw weights, holiday weeks to avoid, defaults) live in ``data/plan_rules.toml``;
the 10 + 7 deduction categories of the capacity formula (DOMAIN §2.2) in
``data/deduction_categories.toml``. Basis: 安全生产法 第六十二条 (监督检查计划, 分类分级),
安监总政法〔2017〕150号, 行政处罚法 第四十二条 (执法人员不得少于两人).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
RULES_FILE = DATA / "plan_rules.toml"
CATEGORIES_FILE = DATA / "deduction_categories.toml"


class PlanInputError(ValueError):
    """Inputs a plan cannot be made from. ``errors`` maps input fields to Chinese messages;
    the API answers 422 with them (core.errors.ValidationFailed)."""

    def __init__(self, errors: Mapping[str, Sequence[str]]):
        self.errors = {k: list(v) for k, v in errors.items()}
        self.field = next(iter(self.errors), "")
        self.message = "；".join(m for msgs in self.errors.values() for m in msgs)
        super().__init__(self.message)


class PlanRulesError(ValueError):
    """The rules file or the categories file is wrong (a deployment mistake, not user input)."""


# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassRule:
    """One risk class: minimum visits a year, the yearly cap, the weight in the random draw."""

    code: str
    label: str
    min_visits: int
    cap: int
    random_weight: float


@dataclass(frozen=True, slots=True)
class AvoidRule:
    """A holiday week to avoid: found by name in the official calendar, else by the fallback."""

    holiday: str
    label: str
    fallback_span: tuple[int, int]
    fallback_dates: Mapping[int, date]
    fallback_month_day: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class PlanRules:
    name: str
    version: str
    effective: date
    source: str
    classes: Mapping[str, ClassRule]  # in planning order: A first
    officer_days_per_inspection: float
    reserve_ratio: float
    random_ratio_min: float
    team_size: int
    min_gap_months: int
    avoid_margin_days: int
    avoid: tuple[AvoidRule, ...]
    campaigns: tuple[Campaign, ...]

    @property
    def ruleset(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True, slots=True)
class Categories:
    """The deduction categories of DOMAIN §2.2, in their printed order."""

    version: str
    other_enforcement: tuple[str, ...]
    non_enforcement: tuple[str, ...]


def _table(data: Mapping, key: str) -> Mapping:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PlanRulesError(f"{key}: needs a [{key}] table")
    return value


def _number(data: Mapping, key: str, low: float, high: float, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise PlanRulesError(f"{where}{key}: needs a number in [{low}, {high}], got {value!r}")
    return float(value)


def _int(data: Mapping, key: str, low: int, high: int, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PlanRulesError(f"{where}{key}: needs a whole number in [{low}, {high}], "
                             f"got {value!r}")
    return value


def _text(data: Mapping, key: str, where: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PlanRulesError(f"{where}{key}: needs a text")
    return value


def _parse_class(code: str, data: Any) -> ClassRule:
    if not isinstance(data, dict):
        raise PlanRulesError(f"classes.{code}: needs a table")
    where = f"classes.{code}."
    rule = ClassRule(code, _text(data, "label", where), _int(data, "min_visits", 0, 12, where),
                     _int(data, "cap", 1, 12, where),
                     _number(data, "random_weight", 0, 1000, where))
    if rule.min_visits > rule.cap:
        raise PlanRulesError(f"classes.{code}: min_visits {rule.min_visits} exceeds cap {rule.cap}")
    return rule


def _parse_avoid(i: int, data: Any) -> AvoidRule:
    where = f"avoid[{i}]."
    if not isinstance(data, dict):
        raise PlanRulesError(f"avoid[{i}]: needs a table")
    span = data.get("fallback_span")
    if (not isinstance(span, list) or len(span) != 2 or not all(isinstance(x, int) for x in span)
            or span[0] > span[1]):
        raise PlanRulesError(f"{where}fallback_span: needs [first, last] day offsets")
    dates = data.get("fallback_dates", {})
    if not isinstance(dates, dict) or not all(
            k.isdigit() and isinstance(v, date) and v.year == int(k) for k, v in dates.items()):
        raise PlanRulesError(f"{where}fallback_dates: needs year = date entries of that year")
    month_day = data.get("fallback_month_day")
    if month_day is not None:
        try:
            date(2000, *month_day)
        except (TypeError, ValueError):
            raise PlanRulesError(f"{where}fallback_month_day: needs [month, day]") from None
    return AvoidRule(_text(data, "holiday", where), _text(data, "label", where),
                     (span[0], span[1]), MappingProxyType({int(k): v for k, v in dates.items()}),
                     tuple(month_day) if month_day is not None else None)


def _parse_rules(data: Mapping) -> PlanRules:
    classes = _table(data, "classes")
    if not classes:
        raise PlanRulesError("classes: needs at least one class")
    defaults, schedule = _table(data, "defaults"), _table(data, "schedule")
    effective = data.get("effective")
    if not isinstance(effective, date):
        raise PlanRulesError("effective: needs a date (e.g. 2026-01-01)")
    campaigns = []
    for i, c in enumerate(data.get("campaigns", [])):
        where = f"campaigns[{i}]."
        campaigns.append(Campaign(_text(c, "code", where), _text(c, "name", where),
                                  _text(c, "feature", where), 0))
    return PlanRules(
        name=_text(data, "name"), version=_text(data, "version"), effective=effective,
        source=_text(data, "source"),
        classes=MappingProxyType({k: _parse_class(k, v) for k, v in classes.items()}),
        officer_days_per_inspection=_number(defaults, "officer_days_per_inspection", 0.01, 365,
                                            "defaults."),
        reserve_ratio=_number(defaults, "reserve_ratio", 0, 0.9, "defaults."),
        random_ratio_min=_number(defaults, "random_ratio_min", 0, 1, "defaults."),
        team_size=_int(defaults, "team_size", 2, 10, "defaults."),
        min_gap_months=_int(schedule, "min_gap_months", 1, 6, "schedule."),
        avoid_margin_days=_int(schedule, "avoid_margin_days", 0, 60, "schedule."),
        avoid=tuple(_parse_avoid(i, a) for i, a in enumerate(data.get("avoid", []))),
        campaigns=tuple(campaigns),
    )


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PlanRulesError(f"{path}: {exc}") from exc


@cache
def _load_rules(path: Path) -> PlanRules:
    return _parse_rules(_read(path))


def load_rules(path: str | Path | None = None) -> PlanRules:
    """The plan rules (default: the bureau's ``instance/rules/plan_rules.toml`` if there is one,
    else the packaged ``data/plan_rules.toml``); cached per path."""
    from enforcement.core.rulefiles import rule_file

    return _load_rules(Path(path) if path is not None else rule_file(RULES_FILE))


@cache
def load_categories(path: Path = CATEGORIES_FILE) -> Categories:
    """The 10 其他执法工作日 and 7 非执法工作日 categories of DOMAIN §2.2."""
    data = _read(path)
    lists = []
    for key in ("other_enforcement", "non_enforcement"):
        names = data.get(key)
        if (not isinstance(names, list) or not names
                or not all(isinstance(n, str) and n for n in names)
                or len(set(names)) != len(names)):
            raise PlanRulesError(f"{key}: needs a list of distinct category names")
        lists.append(tuple(names))
    return Categories(_text(data, "version"), lists[0], lists[1])


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Campaign:
    """专项整治 (e.g. 四项整治: 违规电气焊, 有限空间, 高处坠落, 外包施工): adds up to ``limit``
    visits to enterprises whose ``feature`` flag is set (or whose sector is ``feature``)."""

    code: str
    name: str
    feature: str
    limit: int


@dataclass(frozen=True, slots=True)
class PlanEnterprise:
    """An enterprise in scope, with its current risk class (A..D) and registry features."""

    id: int
    risk_class: str
    township: str
    sector: str = "other"
    features: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""


@dataclass(frozen=True, slots=True)
class PlanOfficer:
    """A law-enforcement officer (执法人员) with a certificate (执法证, 安全生产法 第六十七条);
    declared relationships (回避) keep them off those enterprises' teams."""

    id: int
    certificate_no: str
    excluded_enterprise_ids: frozenset[int] = frozenset()


_DEFAULT_RULES = load_rules()


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """Everything a plan is computed from. Deductions map the category names of
    ``deduction_categories.toml`` to days (all officers together). The three ratios default to
    the packaged rules; ``None`` means "the ruleset's default" (a bureau's own rules file)."""

    year: int
    seed: int
    officers: Sequence[PlanOfficer]
    enterprises: Sequence[PlanEnterprise]
    other_enforcement_days: Mapping[str, float] = field(default_factory=dict)
    non_enforcement_days: Mapping[str, float] = field(default_factory=dict)
    officer_days_per_inspection: float | None = _DEFAULT_RULES.officer_days_per_inspection
    reserve_ratio: float | None = _DEFAULT_RULES.reserve_ratio
    random_ratio_min: float | None = _DEFAULT_RULES.random_ratio_min
    campaigns: Sequence[Campaign] = ()


@dataclass(frozen=True, slots=True)
class Checked:
    """Validated inputs: sorted by id, ratios resolved against the rules."""

    year: int
    seed: int
    officers: tuple[PlanOfficer, ...]
    enterprises: tuple[PlanEnterprise, ...]
    other_enforcement_days: Mapping[str, float]  # every category, in the printed order
    non_enforcement_days: Mapping[str, float]
    officer_days_per_inspection: float
    reserve_ratio: float
    random_ratio_min: float
    campaigns: tuple[Campaign, ...]


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_any(self) -> None:
        if self.by_field:
            raise PlanInputError(self.by_field)


def _days(errors: _Errors, name: str, label: str, given: Mapping[str, Any],
          allowed: tuple[str, ...]) -> dict[str, float]:
    days = dict.fromkeys(allowed, 0.0)
    if not isinstance(given, Mapping):
        errors.add(name, f"{label}应为“类别: 天数”的对照表")
        return days
    for category, value in given.items():
        if category not in days:
            errors.add(name, f"未知的{label}类别「{category}」，可用类别：{'、'.join(allowed)}")
        elif not _is_number(value):
            errors.add(name, f"{label}「{category}」的天数应为数字，收到 {value!r}")
        elif value < 0:
            errors.add(name, f"{label}「{category}」的天数不能为负数（{value}）")
        else:
            days[category] = float(value)
    return days


def _ratio(errors: _Errors, name: str, label: str, value: Any, default: float,
           high: float) -> float:
    if value is None:
        return default
    if not _is_number(value) or not 0 <= value <= high:
        errors.add(name, f"{label}应在 0 到 {high:g} 之间，收到 {value!r}")
        return default
    return float(value)


def _check_officers(errors: _Errors, officers: tuple[PlanOfficer, ...], team_size: int) -> None:
    if not officers:
        errors.add("officers", "未选择执法人员，无法编制计划")
        return
    if len({o.id for o in officers}) != len(officers):
        errors.add("officers", "执法人员重复")
    for o in officers:
        if not isinstance(o.certificate_no, str) or not o.certificate_no.strip():
            errors.add("officers", f"执法人员 {o.id} 没有执法证号，不能参加检查")
    certificates = {o.certificate_no for o in officers}
    if len(certificates) < team_size:
        errors.add("officers", f"每次检查至少需要 {team_size} 名持不同执法证号的执法人员"
                               f"（行政处罚法 第四十二条），当前只有 {len(certificates)} 名")


def _check_enterprises(errors: _Errors, enterprises: tuple[PlanEnterprise, ...],
                       rules: PlanRules) -> None:
    if len({e.id for e in enterprises}) != len(enterprises):
        errors.add("enterprises", "企业重复")
    for e in enterprises:
        if e.risk_class not in rules.classes:
            errors.add("enterprises", f"企业「{e.name or e.id}」的风险类别 {e.risk_class!r} 无效，"
                                      f"应为 {'、'.join(rules.classes)}（请先完成分类分级）")


def _check_eligibility(errors: _Errors, officers: tuple[PlanOfficer, ...],
                       enterprises: tuple[PlanEnterprise, ...], team_size: int) -> None:
    """Each enterprise keeps at least ``team_size`` officers with distinct certificates after
    the declared relationships (回避) are removed."""
    by_certificate: dict[str, int] = {}
    for o in officers:
        by_certificate[o.certificate_no] = by_certificate.get(o.certificate_no, 0) + 1
    excluded_by: dict[int, list[str]] = {}
    for o in officers:
        for eid in o.excluded_enterprise_ids:
            excluded_by.setdefault(eid, []).append(o.certificate_no)
    if not excluded_by:
        return
    names = {e.id: e.name for e in enterprises if e.id in excluded_by}
    for eid in sorted(names):
        counts: dict[str, int] = {}
        for cert in excluded_by[eid]:
            counts[cert] = counts.get(cert, 0) + 1
        lost = sum(1 for cert, n in counts.items() if n == by_certificate[cert])
        left = len(by_certificate) - lost
        if left < team_size:
            errors.add("officers", f"企业「{names[eid] or eid}」回避后只剩 {left} 名可派执法人员，"
                                   f"至少需要 {team_size} 名")


def _check_campaigns(errors: _Errors, campaigns: tuple[Campaign, ...]) -> None:
    if len({c.code for c in campaigns}) != len(campaigns):
        errors.add("campaigns", "专项整治代码重复")
    for c in campaigns:
        if not c.feature or not c.name:
            errors.add("campaigns", f"专项整治「{c.code}」缺少名称或企业特征")
        if isinstance(c.limit, bool) or not isinstance(c.limit, int) or c.limit < 0:
            errors.add("campaigns", f"专项整治「{c.name}」的数量上限应为非负整数，收到 {c.limit!r}")


def check(inputs: PlanInputs, rules: PlanRules, categories: Categories) -> Checked:
    """Validate ``inputs`` and sort officers and enterprises by id (so input order never
    changes the plan). Raises :class:`PlanInputError` naming every problem found."""
    errors = _Errors()
    year, seed = inputs.year, inputs.seed
    if isinstance(year, bool) or not isinstance(year, int) or not 2004 <= year <= 2100:
        errors.add("year", f"年度应为 2004–2100 之间的整数，收到 {year!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        errors.add("seed", f"随机种子应为整数，收到 {seed!r}")
    officers = tuple(sorted(inputs.officers, key=lambda o: o.id))
    enterprises = tuple(sorted(inputs.enterprises, key=lambda e: e.id))
    campaigns = tuple(inputs.campaigns)
    _check_officers(errors, officers, rules.team_size)
    _check_enterprises(errors, enterprises, rules)
    _check_campaigns(errors, campaigns)
    other = _days(errors, "other_enforcement_days", "其他执法工作日",
                  inputs.other_enforcement_days, categories.other_enforcement)
    non = _days(errors, "non_enforcement_days", "非执法工作日", inputs.non_enforcement_days,
                categories.non_enforcement)
    per = inputs.officer_days_per_inspection
    if per is None:
        per = rules.officer_days_per_inspection
    elif not _is_number(per) or per <= 0:
        errors.add("officer_days_per_inspection", f"每次检查所需人·日应大于 0，收到 {per!r}")
        per = rules.officer_days_per_inspection
    reserve = _ratio(errors, "reserve_ratio", "留有余地比例", inputs.reserve_ratio,
                     rules.reserve_ratio, 0.9)
    ratio = _ratio(errors, "random_ratio_min", "双随机最低比例", inputs.random_ratio_min,
                   rules.random_ratio_min, 1.0)
    errors.raise_any()
    _check_eligibility(errors, officers, enterprises, rules.team_size)
    errors.raise_any()
    return Checked(year, seed, officers, enterprises, MappingProxyType(other),
                   MappingProxyType(non), float(per), reserve, ratio, campaigns)

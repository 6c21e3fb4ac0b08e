"""The annual inspection plan engine (年度监督检查计划) — pure: no database, no Flask.

安全生产法 第六十二条 requires 分类分级 supervision under an annual 监督检查计划; 安监总政法〔2017〕
150号 sets its principles (统筹兼顾、分类分级、突出重点、提高效能、留有余地). The engine:

1. checks the inputs and sorts officers and enterprises by id (input order never matters);
2. computes the capacity with the workday formula of DOMAIN §2.2 (:mod:`.capacity`)::

       监督检查工作日 = 法定工作日/人 × 执法人员数 − 其他执法工作日 − 非执法工作日

3. selects the visits — random quota, mandatory visits (A then B), campaigns, 双随机 — and
   reports any shortfall instead of dropping a mandatory visit (:mod:`.selection`);
4. gives each visit a month and a team (:mod:`.schedule`), and lists the tasks by month, then
   township, then enterprise.

Same inputs and seed → the same plan, tasks in the same order. The draw is published
(``random_pool_ids``, ``random_drawn_ids``, ``seed``, ``random_weights``) so that anyone can
re-run it with :func:`~enforcement.plans.selection.draw`; :func:`verify_draw` does exactly that.

Errors: :class:`PlanInputError` (Chinese messages by input field; the API answers 422).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from enforcement.core import workdays
from enforcement.plans import capacity as _capacity
from enforcement.plans import schedule as _schedule
from enforcement.plans.inputs import (
    Campaign,
    Categories,
    PlanEnterprise,
    PlanInputError,
    PlanInputs,
    PlanOfficer,
    PlanRules,
    PlanRulesError,
    check,
    load_categories,
    load_rules,
)
from enforcement.plans.selection import draw, select

__all__ = [
    "Campaign", "Plan", "PlanEnterprise", "PlanInputError", "PlanInputs", "PlanOfficer",
    "PlanRules", "PlanRulesError", "PlanTask", "default_campaigns", "draw", "generate_plan",
    "load_categories", "load_rules", "non_enforcement_categories",
    "other_enforcement_categories", "verify_draw",
]

NeedsFor = Callable[[Mapping[str, Any]], Sequence[str]]
KIND_ORDER = ("key", "random", "campaign")
_ENTERPRISE = attrgetter("enterprise")
_ENTERPRISE_ID = attrgetter("enterprise.id")
_TOWNSHIP = attrgetter("enterprise.township")
_KIND = attrgetter("kind")
_REASON = attrgetter("reason")
_COVERED = attrgetter("covered")
_RISK_CLASS = attrgetter("enterprise.risk_class")


class PlanTask(NamedTuple):
    """One planned inspection. ``covered`` is False for a mandatory visit beyond capacity (it is
    listed anyway; see ``Plan.shortfall``). Immutable; a named tuple, as a province plan has
    ~220,000 of them."""

    enterprise_id: int
    month: int
    kind: str  # key | random | campaign
    reason: str
    officer_ids: tuple[int, ...]
    expert_needs: tuple[str, ...] = ()
    covered: bool = True


@dataclass(frozen=True)
class Plan:
    """A computed plan. ``capacity``, ``summary`` and ``shortfall`` have the API's fields;
    the rest explains the plan (every step of the arithmetic, the draw, the calendar)."""

    year: int
    seed: int
    ruleset: str
    provisional: bool
    capacity: dict
    deductions: dict  # {"other_enforcement": {category: days}, "non_enforcement": {...}}
    allocation: dict  # random quota, mandatory (covered), campaign, random, pool size
    tasks: tuple[PlanTask, ...]
    summary: dict
    shortfall: dict
    officer_load: dict[int, int]
    random_pool_ids: tuple[int, ...]
    random_drawn_ids: tuple[int, ...]
    random_weights: dict[str, float]
    campaigns: tuple[dict, ...]
    months: dict[int, dict]  # {month: {workdays, available_workdays}}
    avoided: tuple[dict, ...]  # holiday weeks avoided, with their dates and source
    notes: tuple[str, ...]

    @property
    def officer_load_range(self) -> tuple[int, int]:
        """(min, max) visits per officer."""
        loads = self.officer_load.values()
        return (min(loads), max(loads)) if loads else (0, 0)


def other_enforcement_categories() -> tuple[str, ...]:
    """The 10 其他执法工作日 categories (DOMAIN §2.2), in order; the API's keys."""
    return load_categories().other_enforcement


def non_enforcement_categories() -> tuple[str, ...]:
    """The 7 非执法工作日 categories (DOMAIN §2.2), in order; the API's keys."""
    return load_categories().non_enforcement


def default_campaigns(limit: int, rules: PlanRules | None = None) -> tuple[Campaign, ...]:
    """The rules file's campaigns (四项整治), each with ``limit`` visits."""
    rules = rules or load_rules()
    return tuple(Campaign(c.code, c.name, c.feature, limit) for c in rules.campaigns)


def _month_township_id_order(months: Sequence[int], townships: Sequence[str],
                             ids: Sequence[int]) -> list[int]:
    """The positions of the visits sorted by (month, township, enterprise id) — a stable sort,
    on arrays of the visits' columns."""
    count = len(ids)
    rank = {name: i for i, name in enumerate(sorted(set(townships)))}
    keys = (np.fromiter(ids, dtype=np.int64, count=count),
            np.fromiter(map(rank.__getitem__, townships), dtype=np.int64, count=count),
            np.fromiter(months, dtype=np.int64, count=count))
    return np.lexsort(keys).tolist() if count else []


def _needs_by_enterprise(enterprises: Mapping[int, PlanEnterprise],
                         needs_for: NeedsFor | None) -> dict[int, tuple[str, ...]]:
    """The expert needs of each visited enterprise. ``needs_for`` is a function of the features
    and the sector: enterprises with equal ones (most of a registry: a few hundred
    combinations) share one call."""
    if needs_for is None:
        return dict.fromkeys(enterprises, ())
    by_features: dict[tuple, tuple[str, ...]] = {}
    out = {}
    for eid, e in enterprises.items():
        try:
            key = (e.sector, tuple(e.features), *e.features.values())
            found = by_features.get(key)
        except TypeError:  # a feature value that is not hashable: no sharing
            key, found = None, None
        if found is None:
            found = tuple(needs_for({**e.features, "sector": e.sector}))
            if key is not None:
                by_features[key] = found
        out[eid] = found
    return out


def _summary(kinds: Sequence[str], classes: Sequence[str], months: Sequence[int],
             townships: Sequence[str], rules: PlanRules) -> dict:
    """Tasks by kind, class, month and township (the tasks' columns, in any order)."""
    counts = {"kinds": dict.fromkeys(KIND_ORDER, 0), "by_class": dict.fromkeys(rules.classes, 0),
              "by_month": dict.fromkeys(range(1, 13), 0)}
    for name, column in (("kinds", kinds), ("by_class", classes), ("by_month", months)):
        for key, n in Counter(column).items():
            counts[name][key] += n
    by_township = Counter(townships)
    return {**counts["kinds"], "by_class": counts["by_class"], "by_month": counts["by_month"],
            "by_township": dict(sorted(by_township.items()))}


def _notes(year: int, provisional: bool, shortfall: dict, allocation: dict,
           campaigns: Sequence[dict]) -> list[str]:
    notes = []
    if provisional:
        notes.append(f"{year} 年尚无官方节假日安排，法定工作日按双休日计算（暂定），"
                     f"公布后请重新编制")
    if shortfall["inspections"]:
        notes.append(f"检查能力不足：法定最低检查还差 {shortfall['inspections']} 次"
                     f"（{shortfall['officer_days']} 人·日），涉及 "
                     f"{len(shortfall['enterprise_ids'])} 家企业；请增加执法力量、调整扣除或"
                     f"比例，或由领导确认接受")
    if allocation["random_pool"] < allocation["random_quota"]:
        notes.append("双随机抽查对象不足，抽查数少于最低比例")
    for c in campaigns:
        if c["planned"] < min(c["limit"], c["candidates"]):
            notes.append(f"专项整治「{c['name']}」受检查能力限制，计划 {c['planned']} 家，"
                         f"上限 {c['limit']} 家（符合条件 {c['candidates']} 家）")
    return notes


def generate_plan(inputs: PlanInputs, *, rules: PlanRules | None = None,
                  calendar: workdays.LegalCalendar | None = None,
                  needs_for: NeedsFor | None = None,
                  categories: Categories | None = None) -> Plan:
    """Compute the year's plan from ``inputs`` (see the module docstring).

    ``needs_for(features)`` gives the expert skill terms an enterprise needs (pass
    ``enforcement.experts.matching.needs_for``; it receives the features plus ``"sector"``);
    by default none. ``calendar`` defaults to core.workdays' provider.

    :raises PlanInputError: inputs that break a rule, with Chinese messages by field.
    """
    rules = rules or load_rules()
    checked = check(inputs, rules, categories or load_categories())
    cal = calendar if calendar is not None else workdays.get_calendar()
    cap = _capacity.compute(checked, cal)
    chosen = select(checked, rules, cap["inspections_possible"])

    periods, calendar_notes = _schedule.avoided_periods(checked.year, rules, cal)
    months = _schedule.month_table(checked.year, periods, cal)

    # The tasks column by column (~220,000 in a province): the columns are read from the visits
    # in the order selection made them (by class, kind and enterprise id: the enterprises are
    # read where they lie in memory; in a random order that takes several times longer), then
    # put in the plan's order by one permutation.
    visits = chosen.visits
    ids = list(map(_ENTERPRISE_ID, visits))
    townships = list(map(_TOWNSHIP, visits))
    kinds = list(map(_KIND, visits))
    visit_months = _schedule.assign_months(
        ids, townships, {m: i["available_workdays"] for m, i in months.items()},
        rules.min_gap_months, checked.seed)
    summary = _summary(kinds, list(map(_RISK_CLASS, visits)), visit_months, townships, rules)
    visited = set(ids)
    needs = _needs_by_enterprise({e.id: e for e in checked.enterprises if e.id in visited},
                                 needs_for)
    order = _month_township_id_order(visit_months, townships, ids)

    def planned(column) -> list:
        return list(map(column.__getitem__, order))

    task_ids = planned(ids)
    teams, load = _schedule.assign_teams(task_ids, checked.officers, rules.team_size,
                                         checked.seed)
    reasons, covered = list(map(_REASON, visits)), list(map(_COVERED, visits))
    tasks = tuple(map(tuple.__new__, repeat(PlanTask), zip(
        task_ids, planned(visit_months), planned(kinds), planned(reasons), teams,
        map(needs.__getitem__, task_ids), planned(covered), strict=True)))

    return Plan(
        year=checked.year, seed=checked.seed, ruleset=rules.ruleset,
        provisional=cap["provisional"], capacity=cap,
        deductions={"other_enforcement": dict(checked.other_enforcement_days),
                    "non_enforcement": dict(checked.non_enforcement_days)},
        allocation=chosen.allocation, tasks=tasks,
        summary=summary, shortfall=chosen.shortfall,
        officer_load=load, random_pool_ids=chosen.pool_ids, random_drawn_ids=chosen.drawn_ids,
        random_weights={c: r.random_weight for c, r in rules.classes.items()},
        campaigns=chosen.campaigns, months=months, avoided=tuple(periods),
        notes=tuple(_notes(checked.year, cap["provisional"], chosen.shortfall, chosen.allocation,
                           chosen.campaigns) + calendar_notes),
    )


def verify_draw(inputs: PlanInputs, plan: Plan, *, rules: PlanRules | None = None,
                calendar: workdays.LegalCalendar | None = None) -> bool:
    """Re-run the 双随机 draw and check the plan against it: the published pool, weights and
    seed give the published draw; the pool and the draw are what ``inputs`` give; and the
    plan's random tasks are exactly the drawn enterprises."""
    rules = rules or load_rules()
    if plan.seed != inputs.seed:
        return False
    classes = {e.id: e.risk_class for e in inputs.enterprises}
    try:
        weights = [plan.random_weights[classes[i]] for i in plan.random_pool_ids]
    except KeyError:
        return False
    if draw(plan.random_pool_ids, weights, len(plan.random_drawn_ids),
            plan.seed) != plan.random_drawn_ids:
        return False
    checked = check(inputs, rules, load_categories())
    cal = calendar if calendar is not None else workdays.get_calendar()
    chosen = select(checked, rules, _capacity.compute(checked, cal)["inspections_possible"])
    if (chosen.pool_ids, chosen.drawn_ids) != (plan.random_pool_ids, plan.random_drawn_ids):
        return False
    drawn_tasks = sorted(t.enterprise_id for t in plan.tasks if t.kind == "random")
    return drawn_tasks == sorted(plan.random_drawn_ids)

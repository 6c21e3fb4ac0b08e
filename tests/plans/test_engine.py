"""The annual plan engine: pure logic (conftest's autouse database fixture is not used).

Facts used: 2026 has 248 legal workdays per officer on the chinese-calendar package data
(春节 02-15..02-23, 国庆节 10-01..10-07); 2027 has no official data yet (provisional).
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections import Counter, defaultdict
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enforcement.core import workdays
from enforcement.plans import engine
from enforcement.plans.engine import (
    Campaign,
    PlanEnterprise,
    PlanInputError,
    PlanInputs,
    PlanOfficer,
    generate_plan,
    verify_draw,
)

CAL = workdays.LegalCalendar()
RULES = engine.load_rules()
CAPS = {"A": 4, "B": 2, "C": 1, "D": 1}
props = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])
TOWNSHIPS = ("汶上街道", "中都街道", "南站镇", "南旺镇")


def ent(i: int, cls: str, township: str | None = None, sector: str = "other",
        **features) -> PlanEnterprise:
    return PlanEnterprise(i, cls, township or TOWNSHIPS[i % 4], sector, features, f"企业{i}")


def officers(n: int, excluded: dict[int, set[int]] | None = None) -> list[PlanOfficer]:
    excluded = excluded or {}
    return [PlanOfficer(i, f"CERT{i:03d}", frozenset(excluded.get(i, ()))) for i in range(1, n + 1)]


def mix(a: int, b: int, c: int, d: int) -> list[PlanEnterprise]:
    classes = "A" * a + "B" * b + "C" * c + "D" * d
    return [ent(i, cls) for i, cls in enumerate(classes, start=1)]


def inputs(ents, offs=None, *, inspection_days: float | None = None, **kw) -> PlanInputs:
    """``inspection_days``: deduct so that exactly this many inspection workdays remain."""
    offs = offs if offs is not None else officers(4)
    if inspection_days is not None:
        kw.setdefault("other_enforcement_days",
                      {"安全生产综合监管": 248 * len(offs) - inspection_days})
    kw.setdefault("seed", 12345)
    return PlanInputs(year=kw.pop("year", 2026), officers=offs, enterprises=ents, **kw)


def plan_of(inp: PlanInputs, **kw) -> engine.Plan:
    return generate_plan(inp, calendar=CAL, **kw)


def visits_by_enterprise(plan) -> dict[int, list]:
    out = defaultdict(list)
    for t in plan.tasks:
        out[t.enterprise_id].append(t)
    return out


# --- capacity ---------------------------------------------------------------------------------


def test_capacity_arithmetic_by_hand():
    # 248 days × 4 officers = 992; other 100 + 50.5 = 150.5; non 200 + 41.5 = 241.5;
    # 992 − 150.5 − 241.5 = 600 inspection workdays; reserve 10 % = 60; (600 − 60) / 2 = 270.
    inp = inputs(mix(1, 2, 3, 4), other_enforcement_days={"事故调查处理": 100, "行政许可": 50.5},
                 non_enforcement_days={"机关值班": 200, "病假、事假": 41.5})
    cap = plan_of(inp).capacity
    assert {k: cap[k] for k in ("officers", "legal_workdays_per_officer", "total_workdays",
                                "other_enforcement_days", "non_enforcement_days",
                                "inspection_workdays", "reserve", "inspections_possible",
                                "provisional")} == {
        "officers": 4, "legal_workdays_per_officer": 248, "total_workdays": 992,
        "other_enforcement_days": 150.5, "non_enforcement_days": 241.5,
        "inspection_workdays": 600, "reserve": 60, "inspections_possible": 270,
        "provisional": False}
    # reserve 15 % = 90; 3 officer-days per inspection: (600 − 90) / 3 = 170
    inp = dataclasses.replace(inp, reserve_ratio=0.15, officer_days_per_inspection=3)
    cap = plan_of(inp).capacity
    assert (cap["reserve"], cap["inspections_possible"]) == (90, 170)
    # floor: (600 − 0) / 7 = 85.7 → 85
    cap = plan_of(dataclasses.replace(inp, reserve_ratio=0, officer_days_per_inspection=7)).capacity
    assert cap["inspections_possible"] == 85


def test_deductions_are_listed_per_category_in_domain_order():
    plan = plan_of(inputs(mix(1, 1, 1, 1), non_enforcement_days={"党群活动": 12}))
    assert list(plan.deductions["other_enforcement"]) == list(
        engine.other_enforcement_categories())
    assert plan.deductions["non_enforcement"]["党群活动"] == 12
    assert len(engine.other_enforcement_categories()) == 10
    assert len(engine.non_enforcement_categories()) == 7
    assert {"事故调查处理", "登记、备案", "行政复议、应诉"} <= set(
        engine.other_enforcement_categories())
    assert {"机关值班", "学习、培训、考核、会议", "年休假、探亲假、婚丧假"} <= set(
        engine.non_enforcement_categories())


def test_legal_workdays_come_from_the_calendar_and_2027_is_provisional():
    assert workdays.legal_workdays(2026, CAL).value == 248
    plan = plan_of(inputs(mix(1, 1, 1, 1)))
    assert plan.capacity["legal_workdays_per_officer"] == 248
    assert plan.provisional is False
    later = plan_of(inputs(mix(1, 1, 1, 1), year=2027))
    assert later.capacity["provisional"] is True and later.provisional is True
    assert later.capacity["legal_workdays_per_officer"] == workdays.legal_workdays(2027, CAL).value
    assert any("暂定" in n for n in later.notes)
    spring = next(p for p in later.avoided if p["holiday"] == "春节")
    assert (spring["source"], spring["start"], spring["end"]) == (
        "rules", date(2027, 2, 5), date(2027, 2, 12))


@pytest.mark.parametrize("field, given", [
    ("other_enforcement_days", {"值班补贴": 3}),
    ("non_enforcement_days", {"事故调查处理": 3}),  # right name, wrong list
])
def test_unknown_category_is_refused_by_name(field, given):
    with pytest.raises(PlanInputError) as info:
        plan_of(inputs(mix(1, 1, 1, 1), **{field: given}))
    assert info.value.field == field
    assert next(iter(given)) in info.value.errors[field][0]


# --- selection --------------------------------------------------------------------------------


def test_mandatory_visits_and_caps_per_class():
    plan = plan_of(inputs(mix(3, 5, 10, 10), inspection_days=992))  # ample capacity
    by_ent = visits_by_enterprise(plan)
    for e in mix(3, 5, 10, 10):
        mine = by_ent[e.id]
        keys = [t for t in mine if t.kind == "key"]
        assert len(keys) == {"A": 2, "B": 1, "C": 0, "D": 0}[e.risk_class]
        assert len(mine) <= CAPS[e.risk_class]
    first = next(t for t in plan.tasks if t.enterprise_id == 1 and t.kind == "key")
    assert first.reason in {"A类企业年度最低检查 2 次（第 1 次）",
                            "A类企业年度最低检查 2 次（第 2 次）"}
    assert plan.summary["key"] == 3 * 2 + 5
    assert plan.shortfall == {"inspections": 0, "officer_days": 0, "enterprise_ids": []}
    # every C and D in the pool is drawn (capacity exceeds the pool), once each
    assert {t.enterprise_id for t in plan.tasks if t.kind == "random"} >= set(range(9, 29))


def test_random_ratio_is_kept():
    # 100 inspections (200 workdays, no reserve), 30 % → 30 for the draw, 70 for mandatory.
    plan = plan_of(inputs(mix(5, 40, 60, 60), inspection_days=200, reserve_ratio=0))
    assert plan.capacity["inspections_possible"] == 100
    assert plan.allocation["random_quota"] == 30
    assert plan.summary["random"] == 100 - 50  # mandatory 5×2 + 40 = 50 all covered
    # many mandatory visits: 50 A → 100 mandatory, the 30 random are still kept
    plan = plan_of(inputs(mix(50, 0, 60, 60), inspection_days=200, reserve_ratio=0))
    assert plan.summary["random"] == 30
    assert plan.summary["key"] == 100  # all listed
    assert plan.shortfall["inspections"] == 100 - 70
    # ratio rounds up: 0.25 × 10 = 2.5 → 3
    plan = plan_of(inputs(mix(20, 0, 5, 5), inspection_days=20, reserve_ratio=0,
                          random_ratio_min=0.25))
    assert plan.summary["random"] == 3


def test_c_is_drawn_about_twice_as_often_as_d():
    ents = mix(0, 0, 40, 40)  # ids 1..40 are C, 41..80 D
    counts = Counter()
    for seed in range(400):
        plan = plan_of(inputs(ents, officers(2), inspection_days=16, reserve_ratio=0, seed=seed))
        assert len(plan.random_drawn_ids) == 8
        counts.update("C" if i <= 40 else "D" for i in plan.random_drawn_ids)
    assert 1.7 <= counts["C"] / counts["D"] <= 2.3, counts


def test_shortfall_lists_every_mandatory_visit_and_reports_the_gap():
    # 2 officers, 20 inspection workdays → 10 inspections; quota 3; 7 for 10 A (20) + 20 B (20).
    ents = mix(10, 20, 5, 5)
    plan = plan_of(inputs(ents, officers(2), inspection_days=20, reserve_ratio=0))
    keys = [t for t in plan.tasks if t.kind == "key"]
    assert len(keys) == 40
    assert sum(t.covered for t in keys) == 7
    assert plan.shortfall["inspections"] == 33
    assert plan.shortfall["officer_days"] == 66
    # A 1–3 get both visits and A 4 its first; A 4 (second visit) to A 10 and all B are not covered
    assert plan.shortfall["enterprise_ids"] == list(range(4, 31))
    assert plan.summary["random"] == 3
    assert any("检查能力不足" in n for n in plan.notes)


def test_campaign_adds_enterprises_within_caps():
    ents = [ent(1, "A", confined_space=True), ent(2, "C", confined_space=True),
            ent(3, "C", confined_space=True), ent(4, "D"), ent(5, "C", sector="metallurgy")]
    campaigns = [Campaign("confined_space", "有限空间", "confined_space", 5),
                 Campaign("metal", "冶金专项", "metallurgy", 1)]
    plan = plan_of(inputs(ents, inspection_days=200, campaigns=campaigns))
    by_ent = visits_by_enterprise(plan)
    assert {e for e, ts in by_ent.items() if any(t.kind == "campaign" for t in ts)} == {1, 2, 3, 5}
    assert "专项整治：有限空间" in {t.reason for t in by_ent[2]}
    assert "专项整治：冶金专项" in {t.reason for t in by_ent[5]}
    for e in ents:
        assert len(by_ent[e.id]) <= CAPS[e.risk_class]
    assert [c["planned"] for c in plan.campaigns] == [3, 1]
    defaults = engine.default_campaigns(7)
    assert [c.name for c in defaults] == ["违规电气焊", "有限空间", "高处坠落", "外包施工"]


def test_campaign_limited_by_capacity_left_after_mandatory_and_quota():
    ents = [ent(i, "C", confined_space=True) for i in range(1, 21)]
    # 10 inspections, quota 3 → 7 left for the campaign (limit 50)
    plan = plan_of(inputs(ents, inspection_days=20, reserve_ratio=0,
                          campaigns=[Campaign("cs", "有限空间", "confined_space", 50)]))
    assert (plan.summary["campaign"], plan.summary["random"]) == (7, 3)
    assert any("有限空间" in n for n in plan.notes)


# --- reproducibility and the draw -------------------------------------------------------------


def test_same_inputs_and_seed_give_the_same_tasks_whatever_the_input_order():
    ents, offs = mix(4, 30, 80, 60), officers(6, {1: {3, 5}, 2: {3}})
    first = plan_of(inputs(ents, offs, inspection_days=300))
    assert plan_of(inputs(ents, offs, inspection_days=300)).tasks == first.tasks
    shuffled_e, shuffled_o = ents[:], offs[:]
    random.Random(1).shuffle(shuffled_e)
    random.Random(2).shuffle(shuffled_o)
    again = plan_of(inputs(shuffled_e, shuffled_o, inspection_days=300))
    assert again.tasks == first.tasks
    assert again.random_pool_ids == first.random_pool_ids == tuple(sorted(first.random_pool_ids))
    other = plan_of(inputs(ents, offs, inspection_days=300, seed=54321))
    assert other.random_drawn_ids != first.random_drawn_ids
    assert first.seed == 12345
    assert "种子 12345" in next(t.reason for t in first.tasks if t.kind == "random")


def test_verify_draw():
    inp = inputs(mix(2, 10, 50, 50), inspection_days=100)
    plan = plan_of(inp)
    assert verify_draw(inp, plan, calendar=CAL)
    # anyone can re-run the published draw
    classes = {e.id: e.risk_class for e in inp.enterprises}
    weights = [plan.random_weights[classes[i]] for i in plan.random_pool_ids]
    assert engine.draw(plan.random_pool_ids, weights, len(plan.random_drawn_ids),
                       plan.seed) == plan.random_drawn_ids
    tampered = dataclasses.replace(plan, random_drawn_ids=plan.random_drawn_ids[::-1])
    assert not verify_draw(inp, tampered, calendar=CAL)
    smaller_pool = dataclasses.replace(plan, random_pool_ids=plan.random_pool_ids[1:])
    assert not verify_draw(inp, smaller_pool, calendar=CAL)
    assert not verify_draw(dataclasses.replace(inp, seed=1), plan, calendar=CAL)


# --- teams ------------------------------------------------------------------------------------


def test_teams_have_two_distinct_certificates_and_respect_relationships():
    offs = officers(5, {1: {1, 2}, 2: {1}, 3: {2}})
    offs.append(PlanOfficer(6, "CERT005", frozenset()))  # same certificate as officer 5
    ents = mix(2, 5, 20, 20)
    plan = plan_of(inputs(ents, offs, inspection_days=400))
    certificate = {o.id: o.certificate_no for o in offs}
    excluded = {o.id: o.excluded_enterprise_ids for o in offs}
    for t in plan.tasks:
        assert len(t.officer_ids) >= 2
        assert len({certificate[o] for o in t.officer_ids}) == len(t.officer_ids)
        assert not any(t.enterprise_id in excluded[o] for o in t.officer_ids)
    assert sum(plan.officer_load.values()) == 2 * len(plan.tasks)


def test_officer_workload_is_balanced():
    plan = plan_of(inputs(mix(5, 40, 100, 100), officers(7), inspection_days=600))
    low, high = plan.officer_load_range
    assert high - low <= 1
    assert set(plan.officer_load) == set(range(1, 8))


def test_expert_needs_come_from_the_callable():
    def needs(features):
        return ["有限空间作业"] if features.get("confined_space") else []

    ents = [ent(1, "A", confined_space=True), ent(2, "B")]
    plan = plan_of(inputs(ents, inspection_days=100), needs_for=needs)
    assert {t.enterprise_id: t.expert_needs for t in plan.tasks} == {1: ("有限空间作业",), 2: ()}
    assert all(t.expert_needs == () for t in plan_of(inputs(ents, inspection_days=100)).tasks)


# --- schedule ---------------------------------------------------------------------------------


def test_months_avoid_spring_festival_and_national_day_weeks():
    plan = plan_of(inputs(mix(0, 0, 800, 400), officers(10), inspection_days=2400,
                          reserve_ratio=0))
    spring = next(p for p in plan.avoided if p["holiday"] == "春节")
    national = next(p for p in plan.avoided if p["holiday"] == "国庆节")
    assert (spring["start"], spring["end"], spring["source"]) == (
        date(2026, 2, 15), date(2026, 2, 23), "official")
    assert (national["start"], national["end"]) == (date(2026, 10, 1), date(2026, 10, 7))
    assert plan.months[2]["available_workdays"] < plan.months[2]["workdays"]
    by_month = plan.summary["by_month"]
    ordinary = min(n for m, n in by_month.items() if m not in (2, 10))
    assert by_month[2] < ordinary and by_month[10] < ordinary
    # each month's share follows its available working days
    per_day = [by_month[m] / plan.months[m]["available_workdays"] for m in range(1, 13)]
    assert max(per_day) - min(per_day) < 0.5
    # a ruleset avoiding a whole month: nothing planned in it
    wide = dataclasses.replace(engine.load_rules(), avoid_margin_days=30)
    plan = plan_of(inputs(mix(3, 10, 100, 100), inspection_days=400), rules=wide)
    assert plan.months[2]["available_workdays"] == 0
    assert plan.summary["by_month"][2] == 0


def test_repeated_visits_are_spaced_apart():
    plan = plan_of(inputs(mix(30, 30, 10, 10), officers(6), inspection_days=1000))
    spaced = 0
    for tasks in visits_by_enterprise(plan).values():
        months = sorted(t.month for t in tasks)
        if len(months) > 1:
            spaced += 1
            gap = min(4, 12 // len(months))
            assert all(b - a >= gap for a, b in zip(months, months[1:], strict=False)), months
    assert spaced >= 30


def test_tasks_are_ordered_by_month_then_township():
    ents = [ent(i, "CD"[i % 2], TOWNSHIPS[i % 4]) for i in range(1, 200)]
    plan = plan_of(inputs(ents, inspection_days=400))
    ordered = [(t.month, ents[t.enterprise_id - 1].township, t.enterprise_id) for t in plan.tasks]
    assert ordered == sorted(ordered)
    assert all(1 <= t.month <= 12 for t in plan.tasks)
    # single visits cluster: a month covers few townships
    townships_per_month = defaultdict(set)
    for month, township, _ in ordered:
        townships_per_month[month].add(township)
    assert sum(len(s) for s in townships_per_month.values()) <= 12 + 4


def test_summary_counts():
    ents = mix(2, 6, 30, 30)
    plan = plan_of(inputs(ents, inspection_days=200))
    s = plan.summary
    assert s["key"] + s["random"] + s["campaign"] == len(plan.tasks)
    assert sum(s["by_class"].values()) == sum(s["by_month"].values()) == len(plan.tasks)
    assert sum(s["by_township"].values()) == len(plan.tasks)
    assert list(s["by_month"]) == list(range(1, 13))
    assert set(s["by_class"]) == {"A", "B", "C", "D"}


# --- bad inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize("change, field, words", [
    ({"officers": []}, "officers", "未选择执法人员"),
    ({"officers": officers(1)}, "officers", "至少需要 2 名"),
    ({"officers": [PlanOfficer(1, "X1"), PlanOfficer(2, "X1")]}, "officers", "不同执法证号"),
    ({"officers": [PlanOfficer(1, "X1"), PlanOfficer(2, " ")]}, "officers", "没有执法证号"),
    ({"other_enforcement_days": {"行政许可": -1}}, "other_enforcement_days", "不能为负数"),
    ({"non_enforcement_days": {"机关值班": "多"}}, "non_enforcement_days", "应为数字"),
    ({"non_enforcement_days": {"机关值班": 993}}, "non_enforcement_days", "超过总法定工作日"),
    ({"reserve_ratio": 0.95}, "reserve_ratio", "留有余地"),
    ({"reserve_ratio": -0.1}, "reserve_ratio", "留有余地"),
    ({"random_ratio_min": 1.5}, "random_ratio_min", "双随机"),
    ({"random_ratio_min": -0.01}, "random_ratio_min", "双随机"),
    ({"officer_days_per_inspection": 0}, "officer_days_per_inspection", "大于 0"),
    ({"year": 1999}, "year", "年度"),
    ({"seed": "abc"}, "seed", "随机种子"),
    ({"enterprises": [ent(1, "E")]}, "enterprises", "企业1"),
    ({"campaigns": [Campaign("x", "有限空间", "confined_space", -1)]}, "campaigns", "上限"),
])
def test_bad_inputs_are_refused_in_chinese(change, field, words):
    base = dict(year=2026, seed=1, officers=officers(4), enterprises=mix(1, 1, 1, 1))
    with pytest.raises(PlanInputError) as info:
        plan_of(PlanInputs(**{**base, **change}))
    assert field in info.value.errors
    assert words in " ".join(info.value.errors[field]), info.value.errors


def test_enterprise_without_two_eligible_officers_is_named():
    offs = officers(3, {1: {2}, 2: {2}})
    with pytest.raises(PlanInputError) as info:
        plan_of(inputs(mix(1, 1, 1, 1), offs))
    assert "企业「企业2」" in info.value.message
    assert "只剩 1 名" in info.value.message
    # two officers sharing one certificate count once
    offs = [PlanOfficer(1, "X"), PlanOfficer(2, "X"), PlanOfficer(3, "Y", frozenset({4}))]
    with pytest.raises(PlanInputError, match="企业4"):
        plan_of(inputs(mix(1, 1, 1, 1), offs))


def test_zero_capacity_still_lists_mandatory_visits():
    plan = plan_of(inputs(mix(2, 3, 5, 5), officers(2), inspection_days=0))
    assert plan.capacity["inspections_possible"] == 0
    assert plan.summary["key"] == 7 and plan.summary["random"] == 0
    assert plan.shortfall == {"inspections": 7, "officer_days": 14,
                              "enterprise_ids": [1, 2, 3, 4, 5]}


# --- property ---------------------------------------------------------------------------------


@st.composite
def plan_inputs(draw):
    n_ents = draw(st.integers(0, 40))
    classes = draw(st.lists(st.sampled_from("ABCD"), min_size=n_ents, max_size=n_ents))
    ents = [PlanEnterprise(i + 1, c, draw(st.sampled_from(TOWNSHIPS)), "other",
                           {"confined_space": draw(st.booleans())}, f"企业{i + 1}")
            for i, c in enumerate(classes)]
    n_offs = draw(st.integers(3, 7))
    offs = []
    for i in range(1, n_offs + 1):
        # certificates may repeat; officer 1 and 2 never excluded, so two stay eligible
        cert = f"C{draw(st.integers(1, n_offs))}" if i > 2 else f"U{i}"
        excluded = frozenset(draw(st.sets(st.integers(1, max(1, n_ents)), max_size=3))) \
            if i > 2 else frozenset()
        offs.append(PlanOfficer(i, cert, excluded))
    days = draw(st.integers(0, 248 * n_offs))
    return PlanInputs(
        2026, draw(st.integers(0, 2**32)), offs, ents, {"联合执法": 248 * n_offs - days},
        reserve_ratio=draw(st.sampled_from([0, 0.1, 0.5, 0.9])),
        random_ratio_min=draw(st.sampled_from([0, 0.3, 1])),
        campaigns=[Campaign("cs", "有限空间", "confined_space", draw(st.integers(0, 10)))])


@props
@given(plan_inputs())
def test_property_caps_hold_and_every_task_has_two_distinct_officers(inp):
    plan = plan_of(inp)
    classes = {e.id: e.risk_class for e in inp.enterprises}
    certificate = {o.id: o.certificate_no for o in inp.officers}
    excluded = {o.id: o.excluded_enterprise_ids for o in inp.officers}
    per_enterprise = Counter(t.enterprise_id for t in plan.tasks)
    for eid, n in per_enterprise.items():
        assert n <= CAPS[classes[eid]]
    for t in plan.tasks:
        assert len({certificate[o] for o in t.officer_ids}) == len(t.officer_ids) >= 2
        assert not any(t.enterprise_id in excluded[o] for o in t.officer_ids)
    mandatory = sum({"A": 2, "B": 1}.get(c, 0) for c in classes.values())
    assert plan.summary["key"] == mandatory
    possible = plan.capacity["inspections_possible"]
    assert len(plan.tasks) <= max(possible, possible + plan.shortfall["inspections"])
    quota = min(math.ceil(inp.random_ratio_min * possible), plan.allocation["random_pool"])
    assert plan.summary["random"] >= quota
    assert verify_draw(inp, plan, calendar=CAL)

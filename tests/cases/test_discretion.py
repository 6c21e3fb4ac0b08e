"""裁量基准: the shipped benchmark, the calculator (行政处罚法 第三十二、三十三、四十九条; the
escalated ranges of 安全生产法 第九十七条–第一百零九条), fine checks, the thresholds and the
validation of a bureau's table. Pure: no app, no database."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from enforcement.cases import discretion, violations
from enforcement.cases.discretion import DiscretionError
from enforcement.core import clock

ON = date(2026, 3, 2)
PATH = Path("discretion.toml")


def D(value: str | int) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


@pytest.fixture(scope="module")
def cat():
    return violations.load()


@pytest.fixture(scope="module")
def tab(cat):
    return discretion.load(catalogue=cat)


def suggest(code, party="unit", circumstances=(), on=ON, **kw):
    return discretion.suggest(code, party, circumstances, on, **kw)


# ───────────────────────────── the shipped table ─────────────────────────────


def test_shipped_table_loads_and_covers_every_fine(tab, cat):
    assert tab.ident == f"{tab.name}@{tab.version}" == discretion.benchmark_ident()
    fined = [v for v in cat.violations.values() if v.has_fine]
    assert len(tab.benchmarks) == len(fined) == 39
    for v in fined:
        bench = tab.benchmark_for(v.code, ON)
        assert bench is not None, v.code
        assert bench.effective_from == date(2024, 11, 1)
        for escalated in (False, True):
            for party in v.party_kinds:
                statutory = v.statutory(party, escalated)
                stage = bench.stage(escalated)
                assert bool(stage) == any(v.statutory(p, escalated) for p in v.party_kinds)
                for tier in stage:
                    rng = tier.range(party)
                    assert (rng is None) == (statutory is None)
                    assert rng is None or rng.within(statutory)
                assert 3 <= len(stage) <= 4 or not stage


def test_circumstance_vocabulary():
    required = {"removed_harm", "coerced", "confessed", "meritorious", "first_violation",
                "minor_harm", "corrected_promptly", "no_fault", "repeated", "refused_correction",
                "caused_accident", "obstructed", "major_hazard_present", "emergency_violation",
                "not_corrected"}
    assert required <= set(discretion.CIRCUMSTANCES)
    assert discretion.CIRCUMSTANCES["first_violation"] == "初次违法"
    effects = {c: i.effect for c, i in discretion.CIRCUMSTANCE_INFO.items()}
    assert effects["removed_harm"] == discretion.MITIGATING
    assert effects["repeated"] == discretion.AGGRAVATING
    assert "第四十九条" in discretion.CIRCUMSTANCE_INFO["emergency_violation"].basis


# ───────────────────────────── suggest ─────────────────────────────


def test_default_tier():
    s = suggest("SCL99-2")
    assert (s.tier, s.tier_label) == ("general", "一般")
    assert (s.range_min, s.range_max) == (D(10000), D(30000))
    assert (s.statutory_min, s.statutory_max) == (D(0), D(50000))
    assert s.suggested == D(20000) and isinstance(s.suggested, Decimal)
    assert s.legal_basis == "《中华人民共和国安全生产法》第三十六条第一款"
    assert s.penalty_basis == "《中华人民共和国安全生产法》第九十九条第（二）项"
    assert "第九十九条第（二）项" in s.reasons[0] and "第三十六条第一款" in s.reasons[0]
    assert not s.requires_legal_review and not s.no_penalty_possible


def test_lighter_with_removed_harm():
    s = suggest("SCL99-2", circumstances=["removed_harm"])
    assert s.tier == "lighter" and (s.range_min, s.range_max) == (D(0), D(10000))
    assert s.suggested == D(2500)  # the lower quarter point: 从轻
    assert any("第三十二条第（一）项" in r and "从轻" in r for r in s.reasons)


def test_heavier_with_repeated():
    s = suggest("SCL99-2", circumstances=["repeated"])
    assert s.tier == "heavier" and (s.range_min, s.range_max) == (D(30000), D(50000))
    assert s.suggested == D(40000)
    assert any("一年内因同一违法行为受过行政处罚" in r and "决定阶次" in r for r in s.reasons)
    assert suggest("SCL99-2", circumstances=["repeated", "obstructed"]).suggested == D(45000)


def test_mitigating_and_aggravating_together_give_the_default_tier():
    s = suggest("SCL99-2", circumstances=["removed_harm", "repeated"])
    assert s.tier == "general" and s.suggested == D(20000)
    assert any("同时具有从轻和从重情节" in r for r in s.reasons)


def test_severe_tier_of_a_four_tier_article():
    s = suggest("SCL97-7", circumstances=["caused_accident"])
    assert s.tier == "severe" and (s.range_min, s.range_max) == (D(80000), D(100000))
    assert s.requires_legal_review  # 90000 ≥ 50000: 较大数额


def test_not_corrected_selects_the_escalated_range():
    s = suggest("SCL99-2", circumstances=["not_corrected"])
    assert s.escalated and s.tier == "general"
    assert (s.statutory_min, s.statutory_max) == (D(50000), D(200000))
    assert (s.range_min, s.range_max) == (D(100000), D(150000))
    assert s.suggested == D(125000) and s.requires_legal_review
    assert any("逾期未改正" in r for r in s.reasons)
    assert any("停产停业整顿" in r for r in s.reasons)
    assert any("较大数额" in r and "第六十三条" in r for r in s.reasons)


def test_persons_are_fined_under_99_only_when_not_corrected():
    plain = suggest("SCL99-2", "individual")
    assert plain.tier is None and plain.statutory_min is None and plain.suggested is None
    assert "仅在逾期未改正或者拒不改正时" in plain.reasons[0]
    late = suggest("SCL99-2", "individual", ["not_corrected"])
    assert (late.statutory_min, late.statutory_max) == (D(10000), D(20000))
    assert (late.range_min, late.range_max) == (D(13000), D(17000))
    assert late.suggested == D(15000) and not late.requires_legal_review


def test_without_an_escalated_range_not_corrected_counts_as_aggravating():
    s = suggest("SCL102", circumstances=["not_corrected"])  # the unit: 停产停业整顿, no new range
    assert not s.escalated and s.tier == "heavier"
    assert (s.statutory_min, s.statutory_max) == (D(0), D(50000))
    refused = suggest("SCL102", "individual", ["refused_correction"])  # 拒不执行: 5万–10万
    assert refused.escalated and (refused.statutory_min, refused.statutory_max) == (
        D(50000), D(100000))
    assert refused.requires_legal_review  # ≥ 20000 for a person


def test_first_violation_may_not_be_punished():
    s = suggest("SCL97-4", circumstances=["first_violation", "minor_harm", "corrected_promptly"])
    assert s.no_penalty_possible and not s.no_penalty_required
    assert s.tier == "lighter" and s.suggested is not None  # "may": the officer chooses
    assert any("首违不罚" in r and "第三十三条第一款" in r for r in s.reasons)
    minor = suggest("SCL97-4", circumstances=["minor_harm", "corrected_promptly"])
    assert minor.no_penalty_possible


@pytest.mark.parametrize(("circumstances", "article"), [
    (["no_fault"], "第三十三条第二款"),
    (["no_harm", "corrected_promptly"], "第三十三条第一款"),
])
def test_must_not_be_punished(circumstances, article):
    s = suggest("SCL99-2", circumstances=circumstances)
    assert s.no_penalty_possible and s.no_penalty_required
    assert s.tier is None and s.range_min is None and s.suggested is None
    assert (s.statutory_min, s.statutory_max) == (D(0), D(50000))
    assert any(article in r and "不予行政处罚" in r for r in s.reasons)
    assert s.to_dict()["tier"] is None and s.to_dict()["range"] is None


def test_aggravating_circumstances_exclude_the_first_violation_exemption():
    s = suggest("SCL97-4", circumstances=["first_violation", "minor_harm", "corrected_promptly",
                                          "obstructed"])
    assert not s.no_penalty_possible


def test_no_fixed_range():
    s = suggest("SCL95", "individual")
    assert s.tier is None and s.statutory_min is None and s.suggested is None
    assert "年收入" in s.reasons[0]


def test_bad_inputs():
    with pytest.raises(KeyError):
        suggest("SCL999")
    with pytest.raises(ValueError, match="unknown circumstances: drunk, late"):
        suggest("SCL99-2", circumstances=["removed_harm", "drunk", "late"])
    with pytest.raises(ValueError, match="first_violation\\+repeated"):
        suggest("SCL99-2", circumstances=["first_violation", "repeated"])
    with pytest.raises(ValueError, match="does not punish"):
        suggest("SCL109", "individual")
    with pytest.raises(ValueError, match="unknown party kind"):
        suggest("SCL99-2", "company")


def test_to_dict_is_the_api_shape():
    d = suggest("SCL99-2", circumstances=["repeated"]).to_dict()
    assert set(d) == {"violation_code", "party_kind", "legal_basis", "penalty_basis", "tier",
                      "range", "statutory", "suggested", "reasons", "requires_legal_review",
                      "no_penalty_possible", "benchmark"}
    assert d["tier"] == {"code": "heavier", "label": "较重"}
    assert d["range"] == {"min": "30000.00", "max": "50000.00"}
    assert d["statutory"] == {"min": "0.00", "max": "50000.00"}
    assert d["suggested"] == "40000.00"
    assert isinstance(d["reasons"], list) and d["benchmark"] == discretion.benchmark_ident()


# ───────────────────────────── check_fine ─────────────────────────────


def test_a_fine_inside_the_tier_passes():
    c = discretion.check_fine("SCL99-2", "unit", D(20000), on=ON)
    assert c.within_tier and not c.requires_reason and not c.requires_legal_review
    assert not c.below_statutory_min and not c.above_statutory_max and c.messages == ()
    edge = discretion.check_fine("SCL99-2", "unit", D(30000), on=ON)  # 以下 includes the end
    assert edge.within_tier


def test_a_fine_outside_the_tier_needs_a_reason_and_review():
    c = discretion.check_fine("SCL99-2", "unit", D("40000"), on=ON)
    assert not c.within_tier and c.requires_reason and c.requires_legal_review
    assert not c.above_statutory_max
    assert "一般" in c.messages[0]


def test_a_fine_below_the_statutory_minimum_is_mitigation():
    c = discretion.check_fine("SCL109", "unit", D(30000), on=ON)
    assert c.below_statutory_min and c.requires_reason and c.requires_legal_review
    assert "低于法定最低限额" in c.messages[0] and "尚未认定" in c.messages[0]
    with_ground = discretion.check_fine("SCL109", "unit", D(30000), ["meritorious"], on=ON)
    assert with_ground.below_statutory_min and "尚未认定" not in with_ground.messages[0]


def test_a_fine_above_the_statutory_maximum_is_refused():
    c = discretion.check_fine("SCL99-2", "unit", D("50000.01"), on=ON)
    assert c.above_statutory_max and "超过法定最高限额" in c.messages[0]
    none_set = discretion.check_fine("SCL108", "unit", D(20000), on=ON)  # 拒不改正 not found
    assert none_set.above_statutory_max
    refused = discretion.check_fine("SCL108", "unit", D(60000), ["refused_correction"], on=ON)
    assert refused.within_tier and not refused.above_statutory_max


def test_a_large_fine_inside_the_tier_needs_review_but_no_reason():
    c = discretion.check_fine("SCL109", "unit", D(70000), on=ON)
    assert c.within_tier and not c.requires_reason and c.requires_legal_review
    assert any("较大数额" in m for m in c.messages)


def test_money_is_never_float():
    with pytest.raises(TypeError):
        discretion.check_fine("SCL99-2", "unit", 20000.0, on=ON)
    with pytest.raises(TypeError):
        discretion.large_amount("unit", 50000.0)
    with pytest.raises(ValueError):
        discretion.check_fine("SCL99-2", "unit", D("100.001"), on=ON)
    with pytest.raises(ValueError):
        discretion.summary_allowed("unit", D(-1))


# ───────────────────────────── thresholds ─────────────────────────────


@pytest.mark.parametrize(("party", "fine", "expected"), [
    ("unit", "3000", True), ("unit", "3000.00", True), ("unit", "3000.01", False),
    ("unit", "0", True), ("individual", "200", True), ("individual", "200.01", False),
])
def test_summary_procedure_limit_includes_the_endpoint(party, fine, expected):
    assert discretion.summary_allowed(party, D(fine)) is expected


@pytest.mark.parametrize(("party", "fine", "expected"), [
    ("unit", "50000", True), ("unit", "49999.99", False), ("unit", "50000.01", True),
    ("individual", "20000", True), ("individual", "19999.99", False),
])
def test_large_amount_threshold_includes_the_endpoint(party, fine, expected):
    assert discretion.large_amount(party, D(fine)) is expected


def test_thresholds_need_a_party_kind():
    with pytest.raises(ValueError):
        discretion.large_amount("company", D(1))


# ───────────────────────────── in-memory tables ─────────────────────────────


def tiers(general=(10000, 30000)) -> list[dict]:
    return [
        {"code": "lighter", "label": "较轻", "conditions": "从轻", "when": ["removed_harm"],
         "unit_min": 0, "unit_max": general[0]},
        {"code": "general", "label": "一般", "conditions": "一般", "when": [],
         "unit_min": general[0], "unit_max": general[1]},
        {"code": "heavier", "label": "较重", "conditions": "从重", "when": ["repeated"],
         "unit_min": general[1], "unit_max": 50000},
        {"code": "general", "label": "一般", "conditions": "逾期未改正", "when": [],
         "escalated": True, "unit_min": 50000, "unit_max": 200000,
         "individual_min": 10000, "individual_max": 20000},
    ]


def data(*benchmarks: dict) -> dict:
    return {"name": "测试基准", "version": "t1",
            "thresholds": {"large_amount_unit": 50000, "large_amount_individual": 20000,
                           "summary_max_unit": 3000, "summary_max_individual": 200},
            "benchmarks": [copy.deepcopy(b) for b in benchmarks]}


OLD = {"violation_code": "SCL99-2", "effective_from": date(2024, 11, 1),
       "effective_to": date(2026, 1, 31), "tiers": tiers()}
NEW = {"violation_code": "SCL99-2", "effective_from": date(2026, 2, 1),
       "tiers": tiers(general=(15000, 35000))}


def test_effective_dates_choose_the_benchmark(cat):
    table = discretion.parse(data(OLD, NEW), PATH, cat)
    before = suggest("SCL99-2", on=date(2026, 1, 31), table=table)
    after = suggest("SCL99-2", on=date(2026, 2, 1), table=table)
    assert (before.range_min, before.range_max) == (D(10000), D(30000))
    assert (after.range_min, after.range_max) == (D(15000), D(35000))
    assert after.benchmark == "测试基准@t1"
    none = suggest("SCL99-2", on=date(2024, 10, 31), table=table)
    assert none.tier is None and none.statutory_max == D(50000)
    assert any("没有有效的裁量基准" in r for r in none.reasons)
    assert discretion.check_fine("SCL99-2", "unit", D(20000), on=date(2024, 10, 31),
                                 table=table).requires_reason


def test_on_defaults_to_today(cat):
    table = discretion.parse(data(OLD, NEW), PATH, cat)
    clock.freeze(datetime(2026, 1, 31, 12, tzinfo=UTC))
    try:
        assert discretion.suggest("SCL99-2", "unit", table=table).range_max == D(30000)
        clock.freeze(datetime(2026, 2, 1, 12, tzinfo=UTC))
        assert discretion.suggest("SCL99-2", "unit", table=table).range_max == D(35000)
    finally:
        clock.freeze(None)


def bench(**changes) -> dict:
    entry = {**copy.deepcopy(NEW), **changes}
    return {k: v for k, v in entry.items() if v is not None}


def with_tier(index: int, **changes) -> dict:
    ts = tiers()
    ts[index] = {k: v for k, v in {**ts[index], **changes}.items() if v is not None}
    return bench(tiers=ts)


@pytest.mark.parametrize(("entry", "where", "message"), [
    (with_tier(2, unit_max=60000), "tiers[2] (heavier)",
     "unit range 30000.00–60000.00 lies outside the statutory range 0.00–50000.00"),
    (with_tier(3, individual_max=30000), "tiers[3] (general)",
     "individual range 10000.00–30000.00 lies outside the escalated statutory range"),
    (with_tier(0, when=["removed_harm", "drunk"]), "tiers[0] (lighter)",
     "unknown circumstances in 'when': drunk"),
    (with_tier(0, when=["no_fault"]), "tiers[0] (lighter)", "no_fault always means no penalty"),
    (with_tier(1, colour="red"), "tiers[1] (general)", "unknown keys colour"),
    (with_tier(1, unit_min=40000), "tiers[1] (general)", "'unit_min' 40000.00 is greater"),
    (with_tier(1, individual_min=0, individual_max=100), "tiers[1] (general)",
     "the law sets no fine for the individual"),
    (with_tier(3, individual_min=None, individual_max=None), "tiers[3] (general)",
     "'individual_min'/'individual_max' missing"),
    (with_tier(1, code="middling"), "tiers[1]", "'code' must be one of"),
    (with_tier(2, when=[]), "", "exactly one default tier"),
    (with_tier(2, code="lighter"), "", "tiers must rise"),
    (bench(tiers=tiers()[:3]), "", "no tiers for the escalated statutory range"),
    (bench(owner="省厅"), "", "unknown keys owner"),
    (bench(effective_to=date(2025, 1, 1)), "", "'effective_to' is before 'effective_from'"),
    (bench(effective_from="2026-02-01"), "", "'effective_from' must be a date"),
])
def test_malformed_benchmarks_are_refused_naming_the_entry(cat, entry, where, message):
    with pytest.raises(DiscretionError) as err:
        discretion.parse(data(entry), PATH, cat)
    text = str(err.value)
    assert text.startswith("discretion.toml: benchmarks[0] (SCL99-2): " + where)
    assert message in text


def test_table_must_fit_the_catalogue(cat):
    with pytest.raises(DiscretionError, match=r"benchmarks\[0\] \(SCL999\): violation_code is "
                                              "not in the catalogue"):
        discretion.parse(data(bench(violation_code="SCL999")), PATH, cat)
    with pytest.raises(DiscretionError, match="sets no fine range for SCL95"):
        discretion.parse(data(bench(violation_code="SCL95")), PATH, cat)


def test_overlapping_periods_are_refused(cat):
    with pytest.raises(DiscretionError, match=r"benchmarks\[1\] \(SCL99-2\): its effective "
                                              "period overlaps"):
        discretion.parse(data(OLD, bench(effective_from=date(2026, 1, 31))), PATH, cat)


def test_thresholds_are_validated(cat):
    broken = data(NEW)
    broken["thresholds"]["summary_max_unit"] = 3000.5
    with pytest.raises(DiscretionError, match="thresholds: 'summary_max_unit' must be a whole"):
        discretion.parse(broken, PATH, cat)
    del broken["thresholds"]["summary_max_unit"]
    with pytest.raises(DiscretionError, match="thresholds: needs exactly"):
        discretion.parse(broken, PATH, cat)
    with pytest.raises(DiscretionError, match="unknown keys colour"):
        discretion.parse({**data(NEW), "colour": "red"}, PATH, cat)


def test_a_bureau_table_overrides_the_packaged_one(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    own = discretion.DEFAULT.read_text(encoding="utf-8").replace(
        "summary_max_unit = 3000", "summary_max_unit = 5000", 1).replace(
        'version = "2026.1"', 'version = "province-2"', 1)
    (rules / "discretion.toml").write_text(own, encoding="utf-8")
    app = Flask(__name__, instance_path=str(tmp_path))
    with app.app_context():
        assert discretion.benchmark_ident().endswith("@province-2")
        assert discretion.summary_allowed("unit", D(5000))
    assert not discretion.summary_allowed("unit", D(5000))

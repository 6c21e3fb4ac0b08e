"""The risk ruleset (分类分级, DOMAIN Part 1): every default factor, the file checks, the
bureau's override."""

from __future__ import annotations

import dataclasses
import random
import time
from pathlib import Path

import flask
import pytest

from enforcement.enterprises import rules
from enforcement.enterprises.rules import EnterpriseFacts, RulesetError, load_ruleset

# a clean, standardised (二级) shop: class D with no factor
CLEAN = EnterpriseFacts(
    sector="commerce", employees=20, standardization_grade="2", credit_status="normal",
    dust_explosion=False, metal_dust=False, dust_workers=None, ammonia_refrigeration=False,
    ammonia_tonnes=None, confined_space=False, confined_space_toxic=False, metal_smelting=False,
    major_hazard_level=None, hazardous_chemicals_use=False)


def facts(**changes) -> EnterpriseFacts:
    return dataclasses.replace(CLEAN, **changes)


@pytest.fixture(scope="module")
def ruleset() -> rules.Ruleset:
    return load_ruleset(rules.DEFAULT_FILE)


def codes(evaluation: rules.Evaluation) -> list[str]:
    return [f.code for f in evaluation.factors]


# (changes, expected class, factor that must fire and its detail, or None)
FIRES = [
    # A 重大
    (dict(open_major_hazards=1), "A", "open_major_hazard", "存在未整改销号的重大事故隐患 1 项"),
    (dict(deaths_12m=2, accidents_12m=1), "A", "fatal_accident_12m",
     "近12个月发生生产安全事故 1 起，死亡 2 人"),
    (dict(serious_injuries_12m=3, accidents_12m=1), "A", "serious_injuries_12m",
     "近12个月生产安全事故重伤 3 人"),
    (dict(major_hazard_level=1), "A", "major_hazard_level_1_2", "重大危险源 1 级"),
    (dict(major_hazard_level=2), "A", "major_hazard_level_1_2", "重大危险源 2 级"),
    (dict(metal_smelting=True, standardization_grade=None), "A", "metal_smelting_ungraded",
     "金属冶炼企业，安全生产标准化未定级"),
    (dict(credit_status="serious_dishonest"), "A", "serious_dishonest", None),
    # B 较大
    (dict(dust_explosion=True, dust_workers=35), "B", "dust_explosion",
     "粉尘涉爆企业，接尘作业人员 35 人"),
    (dict(ammonia_refrigeration=True, ammonia_tonnes=12.5), "B", "ammonia_refrigeration",
     "涉氨制冷企业，液氨储量 12.5 吨"),
    (dict(confined_space=True, confined_space_toxic=True), "B", "confined_space_toxic", None),
    (dict(major_hazard_level=3), "B", "major_hazard_level_3_4", "重大危险源 3 级"),
    (dict(major_hazard_level=4), "B", "major_hazard_level_3_4", "重大危险源 4 级"),
    (dict(hazardous_chemicals_use=True), "B", "hazardous_chemicals_use", None),
    (dict(accidents_12m=1), "B", "accident_12m", "近12个月发生生产安全事故 1 起"),
    (dict(penalties_12m=2), "B", "penalty_12m", "近12个月受到安全生产行政处罚 2 次"),
    (dict(employees=101, standardization_grade=None), "B", "large_ungraded",
     "从业人员 101 人，安全生产标准化未定级"),
    # C 一般
    (dict(standardization_grade="3"), "C", "grade_3_or_ungraded", "安全生产标准化三级"),
    (dict(standardization_grade=None), "C", "grade_3_or_ungraded", "安全生产标准化未定级"),
    (dict(metal_smelting=True, standardization_grade="2"), "C", "other_special_risk",
     "涉及专项风险：金属冶炼"),
    (dict(metal_dust=True), "C", "other_special_risk", "涉及专项风险：金属粉尘"),
    (dict(confined_space=True), "C", "other_special_risk", "涉及专项风险：有限空间"),
    (dict(sector="machinery", standardization_grade="1"), "C", "key_industry", "所属行业：机械"),
    (dict(sector="tobacco"), "C", "key_industry", "所属行业：烟草"),
]


@pytest.mark.parametrize(("changes", "risk_class", "code", "detail"), FIRES,
                         ids=[f"{c[2]}-{i}" for i, c in enumerate(FIRES)])
def test_factor_fires(ruleset, changes, risk_class, code, detail):
    evaluation = ruleset.evaluate(facts(**changes))
    assert evaluation.risk_class == risk_class
    assert evaluation.risk_level == ruleset.level_of(risk_class)
    fired = {f.code: f for f in evaluation.factors}
    assert code in fired
    assert fired[code].risk_class == risk_class
    assert fired[code].label
    if detail is not None:
        assert fired[code].detail == detail


def test_every_default_factor_is_exercised(ruleset):
    assert {case[2] for case in FIRES} == set(ruleset.factor_codes)


@pytest.mark.parametrize(("changes", "risk_class", "not_fired"), [
    (dict(serious_injuries_12m=2), "D", "serious_injuries_12m"),
    (dict(major_hazard_level=3), "B", "major_hazard_level_1_2"),
    (dict(employees=100, standardization_grade=None), "C", "large_ungraded"),
    (dict(employees=None, standardization_grade=None), "C", "large_ungraded"),
    (dict(metal_smelting=True, standardization_grade="2"), "C", "metal_smelting_ungraded"),
    (dict(dust_workers=50, ammonia_tonnes=3.0), "D", "other_special_risk"),
    (dict(sector="hazardous_chemicals"), "D", "key_industry"),
    (dict(standardization_grade="1"), "D", "grade_3_or_ungraded"),
])
def test_factor_does_not_fire(ruleset, changes, risk_class, not_fired):
    evaluation = ruleset.evaluate(facts(**changes))
    assert evaluation.risk_class == risk_class
    assert not_fired not in codes(evaluation)


def test_clean_commerce_is_d_without_factors(ruleset):
    evaluation = ruleset.evaluate(CLEAN)
    assert evaluation == ("D", "low", 0, (), "default@2026.1")
    assert ruleset.evaluate(facts(sector="commerce", standardization_grade="1")).risk_class == "D"


def test_every_fired_factor_is_recorded_by_class_then_file_order(ruleset):
    evaluation = ruleset.evaluate(facts(
        sector="machinery", standardization_grade=None, dust_explosion=True, major_hazard_level=2,
        open_major_hazards=1))
    assert evaluation.risk_class == "A"
    assert codes(evaluation) == ["open_major_hazard", "major_hazard_level_1_2", "dust_explosion",
                                 "grade_3_or_ungraded", "key_industry"]
    assert [f.risk_class for f in evaluation.factors] == ["A", "A", "B", "C", "C"]


def test_score_orders_within_a_class_and_never_crosses_classes(ruleset):
    one = ruleset.evaluate(facts(major_hazard_level=2))
    many = ruleset.evaluate(facts(major_hazard_level=2, open_major_hazards=2, deaths_12m=1,
                                  serious_injuries_12m=5, credit_status="serious_dishonest",
                                  metal_smelting=True, standardization_grade=None))
    assert 75 < one.score < many.score == 100          # A: base 75 + weights, capped at 100
    b_full = ruleset.evaluate(facts(dust_explosion=True, ammonia_refrigeration=True,
                                    confined_space_toxic=True, hazardous_chemicals_use=True,
                                    major_hazard_level=3, accidents_12m=3, penalties_12m=1,
                                    employees=500, standardization_grade=None))
    assert b_full.risk_class == "B" and b_full.score == 74   # capped below A's base
    c_one = ruleset.evaluate(facts(standardization_grade="3"))
    assert c_one.score == 30                                  # 25 + 5; B's weights don't count


def test_evaluate_many_and_the_ruleset_is_recorded(ruleset):
    results = ruleset.evaluate_many(iter([CLEAN, facts(accidents_12m=1)]))
    assert [r.risk_class for r in results] == ["D", "B"]
    assert {r.ruleset for r in results} == {"default@2026.1"} == {ruleset.ident}


def test_equal_facts_share_one_result(ruleset):
    first = ruleset.evaluate(facts(dust_explosion=True, dust_workers=7))
    again = ruleset.evaluate(facts(dust_explosion=True, dust_workers=7))
    other = ruleset.evaluate(facts(dust_explosion=True, dust_workers=8))
    assert first is again
    assert other.factors[0].detail == "粉尘涉爆企业，接尘作业人员 8 人"


def test_classes_and_their_names(ruleset):
    assert ruleset.name == "default" and ruleset.version == "2026.1"
    assert list(ruleset.classes) == ["A", "B", "C", "D"]
    assert [ruleset.label_of(c) for c in ruleset.classes] == ["重大", "较大", "一般", "低"]
    assert [ruleset.level_of(c) for c in ruleset.classes] == ["major", "high", "moderate", "low"]
    assert [ruleset.color_of(c) for c in ruleset.classes] == ["red", "orange", "yellow", "blue"]
    assert ruleset.class_of_level("moderate") == "C"
    assert ruleset.effective_from.isoformat() == "2026-01-01"
    assert "第六十二条" in ruleset.source


def test_display_fields():
    shown = rules.display_fields(facts(standardization_grade=None, ammonia_tonnes=3.0,
                                       dust_explosion=True, metal_dust=True))
    assert shown["grade_text"] == "未定级"
    assert shown["sector_text"] == "商贸"
    assert shown["ammonia_tonnes"] == "3"
    assert shown["dust_workers"] == "未填报"
    assert shown["dust_explosion"] == "是"
    assert shown["special_risks_text"] == "粉尘涉爆、金属粉尘"
    assert shown["major_hazard_text"] == "无"


# -- ruleset files ------------------------------------------------------------------------------

CLASSES = """
name = "test"
version = "1"
effective_from = 2026-01-01
source = "tests"

[classes.A]
level = "major"
label = "重大"
color = "red"
order = 1

[classes.B]
level = "high"
label = "较大"
color = "orange"
order = 2

[classes.C]
level = "moderate"
label = "一般"
color = "yellow"
order = 3

[classes.D]
level = "low"
label = "低"
color = "blue"
order = 4
"""


def factor(code: str, when: str, *, cls: str = "B", detail: str = "说明") -> str:
    return (f'\n[[factors]]\nclass = "{cls}"\ncode = "{code}"\nlabel = "测试"\n'
            f'when = {when}\ndetail = "{detail}"\nweight = 1\n')


def write(tmp_path: Path, text: str, name: str = "risk_rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


OPS = [
    ("eq", '{ field = "sector", op = "==", value = "machinery" }', True),
    ("ne", '{ field = "sector", op = "!=", value = "commerce" }', True),
    ("ge", '{ field = "employees", op = ">=", value = 50 }', True),
    ("gt", '{ field = "employees", op = ">", value = 50 }', False),
    ("le", '{ field = "ammonia_tonnes", op = "<=", value = 1.5 }', True),
    ("lt", '{ field = "employees", op = "<", value = 50 }', False),
    ("lt_null", '{ field = "dust_workers", op = "<", value = 5 }', False),   # unknown: no match
    ("in", '{ field = "standardization_grade", op = "in", value = ["2", "3"] }', True),
    ("not_in", '{ field = "major_hazard_level", op = "not_in", value = [1, 2] }', True),
    ("is_null", '{ field = "dust_workers", op = "is_null" }', True),
    ("not_null", '{ field = "employees", op = "not_null" }', True),
    ("true", '{ field = "metal_dust", op = "true" }', True),
    ("false", '{ field = "metal_dust", op = "false" }', False),
    ("all", '{ all = [ { field = "metal_dust", op = "true" }, '
            '{ field = "employees", op = "==", value = 49 } ] }', False),
    ("any", '{ any = [ { field = "metal_dust", op = "false" }, '
            '{ all = [ { field = "employees", op = "==", value = 50 } ] } ] }', True),
]


def test_ops(tmp_path):
    text = CLASSES + "".join(factor(code, when) for code, when, _ in OPS)
    ruleset = load_ruleset(write(tmp_path, text))
    evaluation = ruleset.evaluate(facts(sector="machinery", employees=50, ammonia_tonnes=1.5,
                                        standardization_grade="3", major_hazard_level=3,
                                        metal_dust=True))
    assert codes(evaluation) == [code for code, _, fires in OPS if fires]


def test_renamed_classes_and_default_base_scores(tmp_path):
    text = CLASSES.replace('label = "重大"', 'label = "红色风险"') + factor(
        "any_dust", '{ field = "metal_dust", op = "true" }', cls="A", detail="{special_risks_text}")
    ruleset = load_ruleset(write(tmp_path, text))
    assert ruleset.label_of("A") == "红色风险"
    assert [c.base_score for c in ruleset.classes.values()] == [75, 50, 25, 0]
    evaluation = ruleset.evaluate(facts(metal_dust=True))
    assert (evaluation.risk_class, evaluation.score, evaluation.ruleset) == ("A", 76, "test@1")
    assert evaluation.factors[0].detail == "金属粉尘"


BAD = [
    ("unknown field", CLASSES + factor("dust", '{ field = "dust_explsion", op = "true" }'),
     "factors[0] (code=dust): when: unknown field 'dust_explsion' "
     "(did you mean 'dust_explosion'?)"),
    ("unknown field nested", CLASSES + factor(
        "dust", '{ any = [ { field = "metal_dust", op = "true" }, '
                '{ field = "x", op = "true" } ] }'),
     "factors[0] (code=dust): when.any[1]: unknown field 'x'"),
    ("unknown op", CLASSES + factor("big", '{ field = "employees", op = "=>", value = 1 }'),
     "factors[0] (code=big): when: unknown op '=>'"),
    ("duplicate code", CLASSES + factor("dust", '{ field = "metal_dust", op = "true" }')
     + factor("dust", '{ field = "dust_explosion", op = "true" }'),
     "factors[1] (code=dust): duplicate code 'dust'"),
    ("bad placeholder", CLASSES + factor("dust", '{ field = "metal_dust", op = "true" }',
                                         detail="接尘 {dust_count} 人"),
     "factors[0] (code=dust): detail: unknown placeholder {dust_count}"),
    ("format spec", CLASSES + factor("dust", '{ field = "metal_dust", op = "true" }',
                                     detail="接尘 {dust_workers:d} 人"),
     "detail: write {dust_workers} without a format"),
    ("lone brace", CLASSES + factor("dust", '{ field = "metal_dust", op = "true" }',
                                    detail="接尘 {dust_workers 人"),
     "factors[0] (code=dust): detail:"),
    ("missing class", CLASSES.split("[classes.C]")[0] + CLASSES.split("order = 3")[1],
     "missing class 'C'"),
    ("wrong value type",
     CLASSES + factor("big", '{ field = "employees", op = ">", value = "100" }'),
     "factors[0] (code=big): when: op '>' on 'employees' (int) cannot take '100'"),
    ("enum typo", CLASSES + factor("shop", '{ field = "sector", op = "==", value = "comerce" }'),
     "'comerce' is not a known value of 'sector'"),
    ("null on non-null field", CLASSES + factor("x", '{ field = "metal_dust", op = "is_null" }'),
     "op 'is_null': field 'metal_dust' is never null"),
    ("value on a flag op",
     CLASSES + factor("x", '{ field = "metal_dust", op = "true", value = 1 }'),
     "op 'true' takes no value"),
    ("empty in", CLASSES + factor("x", '{ field = "sector", op = "in", value = [] }'),
     "op 'in' needs a non-empty list"),
    ("true on a number", CLASSES + factor("x", '{ field = "employees", op = "true" }'),
     "op 'true' needs a yes/no field"),
    ("bad code", CLASSES + factor("Dust-1", '{ field = "metal_dust", op = "true" }'),
     "factors[0] (code=Dust-1): code: needs snake_case"),
    ("unknown class", CLASSES + factor("x", '{ field = "metal_dust", op = "true" }', cls="E"),
     "factors[0] (code=x): class: needs one of A, B, C, D"),
    ("order", CLASSES.replace("order = 2", "order = 1"), "classes.B: order must be 2"),
    ("same colour", CLASSES.replace('color = "orange"', 'color = "red"'),
     "classes: each class needs its own color"),
    ("unknown key", CLASSES + "factor = 1\n", "unknown key(s) 'factor'"),
    ("no date", CLASSES.replace("2026-01-01", '"soon"'), "effective_from: needs a date"),
    ("not toml", CLASSES + "[[factors]\n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_ruleset_names_file_and_problem(tmp_path, text, message):
    path = write(tmp_path, text, "bureau_rules.toml")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(RulesetError, match="nowhere.toml: cannot read"):
        load_ruleset(tmp_path / "nowhere.toml")


# -- the bureau's override ------------------------------------------------------------------------

def test_instance_file_replaces_the_default(tmp_path):
    app = flask.Flask(__name__, instance_path=str(tmp_path))
    with app.app_context():
        assert load_ruleset().ident == "default@2026.1"
        (tmp_path / "rules").mkdir()
        write(tmp_path / "rules", CLASSES.replace('name = "test"', 'name = "汶川县"'))
        ruleset = load_ruleset()
        assert ruleset.ident == "汶川县@1"
        assert ruleset.path == tmp_path / "rules" / "risk_rules.toml"
        assert ruleset.evaluate(CLEAN).ruleset == "汶川县@1"
        assert load_ruleset(rules.DEFAULT_FILE).ident == "default@2026.1"


def test_a_broken_instance_file_is_reported(tmp_path):
    (tmp_path / "rules").mkdir()
    bad = write(tmp_path / "rules", CLASSES.replace("order = 4", "order = 5"))
    with flask.Flask(__name__, instance_path=str(tmp_path)).app_context():
        with pytest.raises(RulesetError, match="classes.D: order must be 4") as caught:
            load_ruleset()
    assert str(caught.value).startswith(str(bad))


# -- speed --------------------------------------------------------------------------------------

def test_fast_enough_for_a_county(ruleset):
    """The floor is low on purpose (shared CI); on a 2-core dev box it runs >100,000 a second."""
    rng = random.Random(7)
    sectors = list(rules.SECTOR_TEXT)
    many = [facts(sector=rng.choice(sectors), employees=rng.choice([None, rng.randint(1, 900)]),
                  standardization_grade=rng.choice([None, "1", "2", "3"]),
                  dust_explosion=rng.random() < .2, metal_dust=rng.random() < .2,
                  major_hazard_level=rng.choice([None, None, None, 1, 2, 3, 4]),
                  accidents_12m=rng.choice([0, 0, 0, 1])) for _ in range(20_000)]
    started = time.perf_counter()
    results = ruleset.evaluate_many(many)
    rate = len(many) / (time.perf_counter() - started)
    assert len(results) == len(many)
    print(f"{rate:,.0f} evaluations per second")   # measured, not asserted

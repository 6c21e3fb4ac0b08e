"""违法行为目录: the shipped catalogue, its statutory ranges (安全生产法 2021), search, and the
validation of a bureau's own file. Pure: no app, no database."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from enforcement.cases import violations
from enforcement.cases.violations import CatalogueError, FineRange
from enforcement.inspections import checklists

PATH = Path("violations.toml")


def D(value: str | int) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


def R(lo: int, hi: int) -> FineRange:  # noqa: N802
    return FineRange(D(lo), D(hi))


@pytest.fixture(scope="module")
def cat():
    return violations.load()


def test_shipped_catalogue_loads(cat):
    assert cat.ident == f"{cat.name}@{cat.version}"
    assert cat.version and cat.effective.year >= 2021
    assert len(cat.violations) >= 39
    assert all(violations.CODE_RE.match(code) for code in cat.violations)
    assert list(cat.violations)[0] == "SCL94"  # file order kept


def test_every_checklist_violation_code_is_in_the_catalogue(cat):
    used = {item.violation_code for item in checklists.load().items}
    assert used, "the checklist names violation codes"
    assert used - set(cat.violations) == set()


REQUIRED = (["SCL94", "SCL96", "SCL98-1", "SCL98-2", "SCL98-3", "SCL98-4", "SCL102",
             "SCL103-1", "SCL103-2", "SCL105-1", "SCL105-2", "SCL108", "SCL109"]
            + [f"SCL97-{i}" for i in range(1, 8)] + [f"SCL99-{i}" for i in range(1, 9)]
            + [f"SCL101-{i}" for i in range(1, 6)])


def test_every_article_of_domain_5_2_is_there(cat):
    assert [c for c in REQUIRED if cat.get(c) is None] == []


# code: (unit, individual, escalated_unit, escalated_individual) — 安全生产法 2021, DOMAIN.md §5.2
LAW = {
    "SCL94": (None, R(20000, 50000), None, R(50000, 100000)),
    "SCL96": (None, R(10000, 30000), None, None),
    "SCL97-1": (R(0, 100000), None, R(100000, 200000), R(20000, 50000)),
    "SCL97-7": (R(0, 100000), None, R(100000, 200000), R(20000, 50000)),
    "SCL98-2": (R(100000, 500000), R(20000, 50000), R(500000, 1000000), R(50000, 100000)),
    "SCL99-2": (R(0, 50000), None, R(50000, 200000), R(10000, 20000)),
    "SCL99-8": (R(0, 50000), None, R(50000, 200000), R(10000, 20000)),
    "SCL101-3": (R(0, 100000), None, R(100000, 200000), R(20000, 50000)),
    "SCL102": (R(0, 50000), None, None, R(50000, 100000)),
    "SCL103-1": (R(100000, 200000), R(10000, 20000), None, None),
    "SCL103-2": (R(0, 50000), R(0, 10000), None, None),
    "SCL105-2": (R(0, 50000), R(0, 10000), None, None),
    "SCL108": (None, None, R(20000, 200000), R(10000, 20000)),
    "SCL109": (R(50000, 100000), None, R(100000, 200000), None),
    "SCL114-1": (R(300000, 1000000), None, None, None),
}


@pytest.mark.parametrize("code", LAW)
def test_ranges_are_the_laws(cat, code):
    v = cat.get(code)
    assert (v.unit, v.individual, v.escalated_unit, v.escalated_individual) == LAW[code]


def test_statutory_picks_the_party_and_stage(cat):
    v = cat.get("SCL99-2")
    assert v.statutory("unit") == R(0, 50000)
    assert v.statutory("individual") is None  # persons are fined only when not corrected
    assert v.statutory("individual", escalated=True) == R(10000, 20000)
    assert isinstance(v.statutory("unit").max, Decimal)
    with pytest.raises(ValueError):
        v.statutory("company")


def test_texts_cite_the_law(cat):
    v = cat.get("SCL99-2")
    assert v.violated == "《中华人民共和国安全生产法》第三十六条第一款"
    assert v.penalty_basis == "《中华人民共和国安全生产法》第九十九条第（二）项"
    assert v.penalty.startswith("责令限期改正，处五万元以下的罚款；逾期未改正的")
    assert cat.get("SCL102").major_hazard and not v.major_hazard
    assert cat.get("SCL94").party_kinds == ("individual",)
    assert cat.get("SCL109").party_kinds == ("unit",)
    assert cat.get("SCL95").has_fine is False  # a share of the 上一年年收入


def test_to_dict_is_json_ready(cat):
    d = cat.get("SCL99-2").to_dict()
    assert d["code"] == "SCL99-2"
    assert d["fines"] == {"unit": {"min": "0.00", "max": "50000.00"}, "individual": None,
                          "escalated_unit": {"min": "50000.00", "max": "200000.00"},
                          "escalated_individual": {"min": "10000.00", "max": "20000.00"}}
    assert d["major_hazard"] is False and d["party_kinds"] == ["unit", "individual"]
    assert {"description", "violated", "penalty_basis", "penalty"} <= set(d)


# ───────────────────────────── search ─────────────────────────────


def codes(found):
    return [v.code for v in found]


def test_search_by_code(cat):
    assert codes(cat.search("SCL99")) == [f"SCL99-{i}" for i in range(1, 9)]
    assert codes(cat.search("scl99-2")) == ["SCL99-2"]
    assert codes(cat.search("99-2")) == ["SCL99-2"]
    assert codes(cat.search("SCL102")) == ["SCL102"]


def test_search_by_chinese_words(cat):
    assert {"SCL97-3", "SCL97-4", "SCL97-7"} <= set(codes(cat.search("培训")))
    assert codes(cat.search("可燃气体")) == ["SCL99-8"]
    assert codes(cat.search("安责险")) == ["SCL109"]  # a keyword only
    assert codes(cat.search("第一百零二条")) == ["SCL102"]  # the 处罚依据
    assert codes(cat.search("培训 记录")) == ["SCL97-4"]  # every word must match
    assert cat.search("没有这样的违法行为") == []


def test_blank_search_lists_everything_in_file_order(cat):
    assert codes(cat.search(None)) == list(cat.violations)
    assert codes(cat.search("  ")) == list(cat.violations)


# ───────────────────────────── validation ─────────────────────────────

ENTRY = {
    "code": "SCL99-1", "description": "未设置安全警示标志",
    "violated": "《中华人民共和国安全生产法》第三十五条",
    "penalty_basis": "《中华人民共和国安全生产法》第九十九条第（一）项",
    "penalty": "责令限期改正，处五万元以下的罚款", "unit_min": 0, "unit_max": 50000,
    "major_hazard": False, "party_kinds": ["unit"], "keywords": ["警示标志"],
}


def table(*entries: dict) -> dict:
    from datetime import date

    return {"name": "目录", "version": "t1", "effective": date(2026, 1, 1),
            "violations": [copy.deepcopy(e) for e in entries]}


def second(**changes) -> dict:
    entry = {**copy.deepcopy(ENTRY), "code": "SCL99-2", **changes}
    return {k: v for k, v in entry.items() if v is not None}


def test_a_valid_table_parses():
    cat = violations.parse(table(ENTRY, second()), PATH)
    assert codes(cat.search("")) == ["SCL99-1", "SCL99-2"]
    assert cat.get("SCL99-2").unit == R(0, 50000)
    assert cat.get("SCL99-2").individual is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"code": "SCL99-1"}, "duplicate code"),
    ({"unit_min": 60000}, "'unit_min' 60000.00 is greater than 'unit_max' 50000.00"),
    ({"unit_max": None}, "give both 'unit_min' and 'unit_max'"),
    ({"unit_min": -1}, "must not be negative"),
    ({"unit_max": 50000.0}, "whole number of yuan"),
    ({"fine": 5}, "unknown keys fine"),
    ({"description": " "}, "'description' must be non-empty text"),
    ({"penalty_basis": None}, "'penalty_basis' must be non-empty text"),
    ({"party_kinds": ["company"]}, "'party_kinds' must list"),
    ({"party_kinds": []}, "'party_kinds' must list"),
    ({"individual_min": 0, "individual_max": 10000}, "'individual' is not in 'party_kinds'"),
    ({"major_hazard": "yes"}, "'major_hazard' must be true or false"),
    ({"keywords": "警示"}, "'keywords' must be a list"),
])
def test_malformed_entries_are_refused_naming_the_entry(changes, message):
    with pytest.raises(CatalogueError) as err:
        violations.parse(table(ENTRY, second(**changes)), PATH)
    text = str(err.value)
    code = changes.get("code", "SCL99-2")
    assert text.startswith(f"violations.toml: violations[1] ({code}): ")
    assert message in text


def test_bad_codes_and_top_level_are_refused():
    with pytest.raises(CatalogueError, match=r"violations\[1\]: 'code' '99-2' must look like"):
        violations.parse(table(ENTRY, second(code="99-2")), PATH)
    with pytest.raises(CatalogueError, match="unknown keys extra"):
        violations.parse({**table(ENTRY), "extra": 1}, PATH)
    with pytest.raises(CatalogueError, match="no \\[\\[violations\\]\\]"):
        violations.parse({**table(ENTRY), "violations": []}, PATH)
    with pytest.raises(CatalogueError, match="'effective' must be a date"):
        violations.parse({**table(ENTRY), "effective": "2026-01-01"}, PATH)


def test_a_broken_file_names_the_path(tmp_path):
    bad = tmp_path / "violations.toml"
    bad.write_text("name = [", encoding="utf-8")
    with pytest.raises(CatalogueError, match="violations.toml"):
        violations.load(bad)


def test_a_bureau_file_overrides_the_packaged_one(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    own = violations.DEFAULT.read_text(encoding="utf-8").replace(
        'version = "2026.1"', 'version = "county-7"', 1)
    (rules / "violations.toml").write_text(own, encoding="utf-8")
    assert violations.load().version != "county-7"  # no app: the packaged file
    app = Flask(__name__, instance_path=str(tmp_path))
    with app.app_context():
        assert violations.load().version == "county-7"
        assert violations.catalogue().version == "county-7"
        assert violations.catalogue() is violations.catalogue()  # cached

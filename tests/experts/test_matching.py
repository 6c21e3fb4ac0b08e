"""The expert matching index (enforcement/experts/matching.py): no database involved."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from enforcement.experts import matching
from enforcement.experts.matching import (
    ExpertIndex,
    Hit,
    MatchingDataError,
    SkillMatch,
    Synonyms,
    load_synonyms,
    needs_for,
)

EXPERTS = [
    (1, ["粉尘防爆", "除尘系统", "电气安全"]),
    (2, ["有限空间作业安全", "中毒窒息防护"]),
    (3, ["液氨制冷系统", "涉氨制冷", "压力容器"]),
    (4, ["冶金煤气安全", "熔融金属吊运", "起重机械"]),
    (5, ["粉尘防爆", "有限空间作业安全", "职业卫生"]),
    (6, ["危险化学品储存", "重大危险源管理"]),
    (7, ["消防安全管理", "应急预案编制"]),
    (8, ["职业卫生", "噪声防护"]),
    (9, ["涉氨制冷安全", "冷库安全"]),
    (10, ["受限空间作业管理", "污水处理安全"]),
]


@pytest.fixture(scope="module")
def index() -> ExpertIndex:
    return ExpertIndex.build(EXPERTS, load_synonyms())


def ids(hits: list[Hit]) -> list[int]:
    return [h.expert_id for h in hits]


def skills(hit: Hit) -> dict[str, SkillMatch]:
    return {m.skill: m for m in hit.matched}


# --- finding experts by a skill, however it is typed -----------------------------------------

@pytest.mark.parametrize("query", [
    "粉尘防爆",          # exact
    "粉尘防暴",          # typo (a homophone, the commonest IME typo)
    "粉尘防瀑",          # typo (a look-alike character)
    "分尘防爆",          # homophone
    "粉塵防爆",          # traditional characters
    "fenchenfangbao",   # full pinyin
    "FenChen FangBao",  # pinyin with capitals and a space… two terms, both pinyin
    "fcfb",             # initials
    "ＦＣＦＢ",          # full-width initials
    "涉爆粉尘",          # synonym
])
def test_dust_explosion_experts_come_first(index, query):
    found = ids(index.search(query))
    assert set(found[:2]) == {1, 5}, found


def test_exact_match_scores_100_and_reports_the_skill(index):
    hit = index.search("粉尘防爆")[0]
    assert hit.score == 100.0
    assert skills(hit)["粉尘防爆"] == SkillMatch("粉尘防爆", "粉尘防爆", 100.0)


def test_the_term_is_reported_as_typed(index):
    hit = index.search("粉塵防爆")[0]
    assert skills(hit)["粉尘防爆"].term == "粉塵防爆"
    hit = index.search("fcfb")[0]
    assert skills(hit)["粉尘防爆"].term == "fcfb"


def test_typo_and_homophone_score_below_exact(index):
    exact = index.search("粉尘防爆")[0].score
    for query in ("粉尘防暴", "粉尘防瀑", "分尘防爆"):
        assert 60 <= index.search(query)[0].score < exact, query


def test_substring_of_a_skill_matches(index):
    assert set(ids(index.search("有限空间"))[:2]) == {2, 5}
    assert ids(index.search("冶金煤气"))[0] == 4
    assert ids(index.search("重大危险源"))[0] == 6


@pytest.mark.parametrize(("query", "expected", "skill", "term"), [
    ("涉爆粉尘", {1, 5}, "粉尘防爆", "粉尘防爆（同义：涉爆粉尘）"),
    ("受限空间", {2, 5, 10}, "有限空间作业安全", None),
    ("液氨", {3, 9}, "涉氨制冷安全", "涉氨制冷（同义：液氨）"),
    ("危化品", {6}, "危险化学品储存", "危险化学品（同义：危化品）"),
])
def test_synonyms(index, query, expected, skill, term):
    hits = index.search(query)
    assert expected <= set(ids(hits)[:len(expected)]), ids(hits)
    matched = [m for h in hits for m in h.matched if m.skill == skill]
    assert matched
    if term is not None:
        assert matched[0].term == term


def test_synonym_in_a_longer_term_is_substituted(index):
    hits = index.search("受限空间作业")
    assert set(ids(hits)[:3]) == {2, 5, 10}
    assert hits[0].expert_id == 10                    # says it literally
    second = next(h for h in hits if h.expert_id == 2)
    assert skills(second)["有限空间作业安全"].term == "有限空间作业（同义：受限空间作业）"


def test_broader_term_finds_narrower_skills():
    index = ExpertIndex.build([(1, ["起重机械"]), (2, ["压力容器"]), (3, ["消防"])],
                              load_synonyms())
    hits = index.search("特种设备")
    assert ids(hits) == [1, 2]
    assert hits[0].matched[0].term == "起重机械（属于：特种设备）"


def test_homophones_across_words_do_not_match(index):
    # 液氨 (yè ān) sounds like 作业安全's 业安: no shared character, no match
    assert 2 not in ids(index.search("液氨"))


def test_unrelated_words_find_nobody(index):
    assert index.search("财务审计") == []
    assert index.search("xyz") == []


# --- several terms ---------------------------------------------------------------------------

def test_experts_with_every_term_rank_first(index):
    hits = index.search("粉尘防爆 有限空间")
    assert hits[0].expert_id == 5
    assert hits[0].score > 90
    assert {h.expert_id for h in hits[1:]} >= {1, 2}
    assert all(h.score <= 55 for h in hits[1:])
    assert {m.skill for m in hits[0].matched} == {"粉尘防爆", "有限空间作业安全"}


@pytest.mark.parametrize("query", ["粉尘防爆、有限空间", "粉尘防爆，有限空间", "粉尘防爆有限空间",
                                   "粉尘防爆和有限空间", "粉尘防暴有限空间", "fcfb yxkj"])
def test_separators_and_unseparated_terms(index, query):
    assert ids(index.search(query))[0] == 5


def test_search_terms_treats_each_need_whole(index):
    hits = index.search_terms(["粉尘防爆", "有限空间作业安全"])
    assert hits[0].expert_id == 5
    assert hits[0].score == 100.0
    assert index.search_terms([]) == []
    assert index.search_terms(["", "  "]) == []


# --- order, limits, filters -------------------------------------------------------------------

def test_order_is_score_then_id(index):
    hits = index.search("职业卫生")
    assert ids(hits)[:2] == [5, 8]
    assert hits[0].score == hits[1].score
    scores = [(-h.score, h.expert_id) for h in index.search("安全")]
    assert scores == sorted(scores)


def test_limit(index):
    assert len(index.search("安全", limit=3)) == 3
    assert index.search("安全", limit=0) == []


def test_candidates_restrict_the_experts(index):
    assert ids(index.search("粉尘防爆", candidates={5, 7})) == [5]
    assert index.search("粉尘防爆", candidates=set()) == []
    assert index.search("粉尘防爆", candidates={999}) == []
    many = set(range(2, 10_000))          # more candidates than hits: the other branch
    assert ids(index.search("粉尘防爆", candidates=many))[0] == 5


# --- query hygiene ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "   ", "\t\n", "、，。", "\x00\x01", "\u200b", "a"])
def test_empty_queries_find_nothing(index, query):
    assert index.search(query) == []


def test_control_characters_are_stripped(index):
    assert ids(index.search("粉尘\x00防\u200b爆"))[:2] == [1, 5]
    assert ids(index.search("粉尘防爆\t有限空间"))[0] == 5


def test_long_queries_are_truncated(index):
    hits = index.search("粉尘防爆" + "啊" * 500 + "有限空间")
    assert hits == index.search("粉尘防爆" + "啊" * 196)


def test_query_must_be_text(index):
    with pytest.raises(TypeError):
        index.search(None)  # type: ignore[arg-type]


# --- updates ---------------------------------------------------------------------------------

def test_add_or_replace_and_remove():
    index = ExpertIndex.build([(1, ["粉尘防爆"]), (2, ["职业卫生"])], Synonyms())
    assert (index.size, index.phrase_count) == (2, 2)
    index.add_or_replace(3, ["粉尘防爆", "锅炉安全"])
    assert ids(index.search("粉尘防爆")) == [1, 3]
    assert ids(index.search("锅炉")) == [3]
    index.add_or_replace(1, ["压力容器"])            # replaced: no longer a dust expert
    assert ids(index.search("粉尘防爆")) == [3]
    assert ids(index.search("压力容器")) == [1]
    index.remove(3)
    assert index.search("粉尘防爆") == [] and index.search("锅炉") == []
    assert (index.size, index.phrase_count) == (2, 2)
    index.remove(3)                                   # twice: nothing happens
    index.add_or_replace(4, ["粉尘防爆"])             # reuses the freed slot and phrase
    assert ids(index.search("fcfb")) == [4]
    index.add_or_replace(2, [" ", ""])                # no usable skill: removed
    assert index.size == 2 and index.search("职业卫生") == []
    assert index.skills_of(4) == ("粉尘防爆",)


def test_duplicate_and_variant_spellings_of_one_skill():
    index = ExpertIndex.build([(1, ["粉尘防爆", "粉塵防爆", " 粉尘 防爆 "]), (2, ["粉塵防爆"])],
                              Synonyms())
    assert index.phrase_count == 1
    assert index.skills_of(1) == ("粉尘防爆",)
    hits = index.search("粉尘防爆")
    assert ids(hits) == [1, 2]
    assert hits[1].matched[0].skill == "粉塵防爆"     # the expert's own spelling
    index.remove(1)
    assert ids(index.search("粉尘防爆")) == [2]


def test_bad_input_to_the_index():
    with pytest.raises(TypeError):
        ExpertIndex.build([(1, "粉尘防爆")], Synonyms())
    with pytest.raises(TypeError):
        ExpertIndex.build([("1", ["粉尘防爆"])], Synonyms())


def test_a_large_index_answers_quickly():

    phrases = [f"{a}{b}" for a in ("粉尘防爆", "有限空间", "液氨制冷", "危险化学品", "冶金煤气",
                                   "起重机械", "压力容器", "消防安全", "职业卫生", "电气安全")
               for b in ("", "管理", "检查", "评估", "技术")]
    index = ExpertIndex.build(((i, [phrases[(i * k) % len(phrases)] for k in (1, 7, 13)])
                               for i in range(20_000)), load_synonyms())
    index.search("热身")
    for query in ("粉尘防暴", "fenchenfangbao", "yxkj", "液氨 有限空间", "安全"):
        assert index.search(query)
    # speed is measured by bench/experts_search.py, not asserted here


# --- data files ------------------------------------------------------------------------------

def test_default_synonyms_are_domain_groups():
    synonyms = load_synonyms()
    assert len(synonyms.groups) >= 25
    related = dict(synonyms.related("受限空间"))
    assert related["有限空间"] == "同义"
    assert dict(synonyms.related("特种设备"))["起重机械"] == "属于"
    assert dict(synonyms.related("起重机械"))["特种设备"] == "涵盖"


def test_needs_for_features_and_sector():
    assert needs_for({}) == []
    assert needs_for({"dust_explosion": True}) == ["粉尘防爆"]
    assert needs_for({"ammonia_refrigeration": True}) == ["涉氨制冷"]
    assert needs_for({"confined_space": True}) == ["有限空间作业安全"]
    assert needs_for({"metal_smelting": True})[0] == "冶金安全"
    assert needs_for({"major_hazard_level": 3}) == ["重大危险源管理"]
    assert needs_for({"major_hazard_level": None, "hazardous_chemicals_use": False}) == []
    assert needs_for({"hazardous_chemicals_use": True}) == ["危险化学品"]
    needs = needs_for({"dust_explosion": True, "metal_dust": True, "confined_space": True,
                       "sector": "metallurgy", "dust_workers": 12, "name": "x"})
    assert needs == ["粉尘防爆", "金属粉尘", "有限空间作业安全", "冶金安全"]  # distinct, in order
    assert needs_for({"sector": "fireworks"}) == ["烟花爆竹"]
    assert needs_for({"sector": "other"}) == []


def test_every_feature_flag_and_sector_has_needs():
    for flag in matching.FEATURE_FLAGS:
        assert needs_for({flag: 1}), flag
    for sector in ("metallurgy", "nonferrous", "building_materials", "machinery",
                   "light_industry", "textile", "hazardous_chemicals", "fireworks",
                   "non_coal_mine"):
        assert needs_for({"sector": sector}), sector


def test_needs_find_experts(index):
    hits = index.search_terms(needs_for({"dust_explosion": True, "confined_space": True}))
    assert hits[0].expert_id == 5


@pytest.mark.parametrize(("content", "problem"), [
    ("[[group]]\nterms = ['液氨']\n", "group[0].terms: needs a list of at least 2 terms"),
    ("[[group]]\nterms = ['液氨', 42]\n", "group[0].terms[1]: needs non-empty text"),
    ("[[group]]\nterms = ['液氨', '液 氨']\n", "appears twice"),
    ("[[group]]\nwords = ['液氨', '氨']\n", "group[0]: unknown key 'words'"),
    ("[[narrower]]\nterm = '特种设备'\nincludes = '锅炉'\n", "narrower[0].includes"),
    ("[[narrower]]\nterm = '特种设备'\nincludes = ['特种设备']\n", "cannot include itself"),
    ("groups = 1\n", "unknown key 'groups'"),
    ("[[group]\n", "not valid TOML"),
])
def test_bad_synonym_files(tmp_path, content, problem):
    path = tmp_path / "my_synonyms.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MatchingDataError) as raised:
        load_synonyms(path)
    assert "my_synonyms.toml" in str(raised.value)
    assert problem in str(raised.value)


@pytest.mark.parametrize(("content", "problem"), [
    ("[features]\ndust_explosoin = ['粉尘防爆']\n", "features: unknown key 'dust_explosoin'"),
    ("[features]\ndust_explosion = []\n", "features.dust_explosion: needs a list"),
    ("[sectors]\nspace = ['航天']\n", "sectors: unknown key 'space'"),
    ("features = ['粉尘防爆']\n", "features: needs a [features] table"),
    ("version = 3\n", "version: needs text"),
])
def test_bad_feature_needs_files(tmp_path, content, problem):
    path = tmp_path / "my_needs.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MatchingDataError) as raised:
        needs_for({"dust_explosion": True}, path)
    assert "my_needs.toml" in str(raised.value)
    assert problem in str(raised.value)


def test_missing_file(tmp_path):
    with pytest.raises(MatchingDataError, match="nothing.toml: cannot read"):
        load_synonyms(tmp_path / "nothing.toml")


def test_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "needs.toml"
    path.write_text("[features]\ndust_explosion = ['粉尘防爆']\n", encoding="utf-8")
    assert needs_for({"dust_explosion": True}, path) == ["粉尘防爆"]
    path.write_text("[features]\ndust_explosion = ['粉尘防爆', '除尘系统']\n", encoding="utf-8")
    assert needs_for({"dust_explosion": True}, path) == ["粉尘防爆", "除尘系统"]


def test_bureau_override_in_the_instance_folder(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "synonyms.toml").write_text("[[group]]\nterms = ['粉尘防爆', '吹灰']\n",
                                         encoding="utf-8")
    with Flask("bureau", instance_path=str(tmp_path)).app_context():
        synonyms = load_synonyms()
        assert synonyms.source == Path(rules / "synonyms.toml")
        index = ExpertIndex.build([(1, ["粉尘防爆"])])
        assert ids(index.search("吹灰")) == [1]
    assert load_synonyms(matching.SYNONYMS_FILE).source == matching.SYNONYMS_FILE

"""Chinese text keys for search: pure logic, no app or database needed."""

from __future__ import annotations

import dataclasses
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enforcement.core import text as t
from enforcement.core.text import (
    TextKeys,
    compact,
    initials_key,
    looks_like_initials,
    looks_like_pinyin,
    normalize,
    pinyin_key,
    search_keys,
)

# conftest's autouse database fixture is function-scoped; these tests do not use it.
props = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- normalize ------------------------------------------------------------------------------


def test_full_width_ascii_and_the_ideographic_space_become_half_width():
    assert normalize("ＡＢＣ１２３\u3000粉尘") == "abc123 粉尘"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("粉塵防爆", "粉尘防爆"),
        ("濟寧市汶上縣", "济宁市汶上县"),
        ("重大事故隱患", "重大事故隐患"),
        ("有限空間作業", "有限空间作业"),
    ],
)
def test_traditional_becomes_simplified(raw, expected):
    assert normalize(raw) == expected


def test_traditional_and_simplified_spellings_meet_on_one_key():
    # One OpenCC pass turns 乾縣 into 乾县, and 乾县 into 干县: normalize converts until stable.
    assert normalize("乾縣") == normalize("乾县")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("粉尘·防爆（涉爆）", "粉尘 防爆 涉爆"),
        ("【重大】危险源！", "重大 危险源"),
        ("  济宁 \t\n 汶上  ", "济宁 汶上"),
        ("济宁市，汶上县。", "济宁市 汶上县"),
        ("A-1_b.c/d", "a 1 b c d"),
        ("《安全生产法》第一百一十条", "安全生产法 第一百一十条"),
        ("Ｑ／ＪＮ　００１—２０２６", "q jn 001 2026"),
        ("①号库", "1号库"),
        ("⾦属冶炼", "金属冶炼"),  # KANGXI RADICAL GOLD
    ],
)
def test_punctuation_and_whitespace_become_single_spaces(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "粉尘\x00防爆",
        "粉尘\x07防爆\x7f",
        "粉\u200b尘防\u200d爆",  # zero-width space / joiner
        "\ufeff粉尘防\u00ad爆",  # byte-order mark, soft hyphen
        "粉尘\u202e防爆",  # right-to-left override
    ],
)
def test_control_and_format_characters_are_removed(raw):
    assert normalize(raw) == "粉尘防爆"


def test_compact_removes_every_space():
    assert compact(" 粉尘 防爆\u3000A 级 ") == "粉尘防爆a级"


# --- pinyin and initials --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "pinyin", "initials"),
    [
        ("粉尘防爆", "fenchenfangbao", "fcfb"),
        ("有限空间", "youxiankongjian", "yxkj"),
        ("粉尘 防爆", "fenchenfangbao", "fcfb"),
        ("粉塵防爆", "fenchenfangbao", "fcfb"),
        ("A级企业", "ajiqiye", "ajqy"),
        ("３号库", "3haoku", "3hk"),
        ("绿色矿山", "lvsekuangshan", "lsks"),  # ü is written v, as typed on a keyboard
        ("重大危险源", "zhongdaweixianyuan", "zdwxy"),  # zh/ch/sh give their first letter
        ("PLC控制柜", "plckongzhigui", "plckzg"),
        ("", "", ""),
    ],
)
def test_pinyin_and_initials(raw, pinyin, initials):
    assert pinyin_key(raw) == pinyin
    assert initials_key(raw) == initials


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [
        ("长输管道", "changshu"),
        ("长输油气管道", "changshu"),
        ("重大危险源", "zhongda"),
        ("重大事故隐患", "zhongda"),
        ("冲压车间", "chongya"),
        ("调压站", "tiaoya"),
        ("给排水", "jipaishui"),
        ("乙炔气瓶", "yique"),
        ("紧急切断阀", "jinjiqieduan"),
        ("单县", "shanxian"),
    ],
)
def test_heteronym_overrides(raw, prefix):
    assert pinyin_key(raw).startswith(prefix)


def test_heteronym_overrides_apply_inside_longer_names():
    assert pinyin_key("行政处罚") == "xingzhengchufa"
    assert "changshuguandao" in pinyin_key("山东长输管道有限公司")
    assert pinyin_key("冷轧钢板厂") == "lengzhagangbanchang"


def test_every_entry_of_the_phrase_table_is_honoured():
    overrides = t._phrase_overrides()
    assert len(overrides) >= 20
    for phrase, syllables in overrides.items():
        assert pinyin_key(phrase) == "".join(t._toneless(s) for s in syllables), phrase


@pytest.mark.parametrize(
    ("raw", "pinyin"),
    [
        # Common collocations that contain an override across a word boundary keep their reading.
        ("进行吊装", "jinxingdiaozhuang"),
        ("强调压实责任", "qiangdiaoyashizeren"),
        ("空调压缩机", "kongtiaoyasuoji"),
        ("着重整治", "zhuozhongzhengzhi"),
        ("延长输送带", "yanchangshusongdai"),
        ("县长治理", "xianzhangzhili"),
        ("矿长清理", "kuangzhangqingli"),
        ("缓冲压力", "huanchongyali"),
    ],
)
def test_overrides_do_not_spill_into_neighbouring_words(raw, pinyin):
    assert pinyin_key(raw) == pinyin


def test_toneless_matches_pypinyin_normal_style():
    assert [t._toneless(s) for s in ["cháng", "lǜ", "nüè", "zhòng", "ê"]] == [
        "chang", "lv", "nve", "zhong", "e"]


# --- search_keys ----------------------------------------------------------------------------


def test_search_keys_builds_every_key():
    assert search_keys("粉塵·防爆（A級）") == TextKeys(
        normalized="粉尘 防爆 a级", compact="粉尘防爆a级", pinyin="fenchenfangbaoaji",
        initials="fcfbaj")


def test_search_keys_are_frozen_and_cached():
    keys = search_keys("有限空间作业")
    assert search_keys("有限空间作业") is keys
    with pytest.raises(dataclasses.FrozenInstanceError):
        keys.pinyin = "x"  # type: ignore[misc]


@pytest.mark.parametrize("raw", ["", " ", "\u3000\t\n", "·，。！", "\x00\u200b"])
def test_empty_and_blank_input_give_empty_keys(raw):
    assert search_keys(raw) == TextKeys("", "", "", "")
    assert normalize(raw) == compact(raw) == pinyin_key(raw) == initials_key(raw) == ""
    assert not looks_like_pinyin(raw)
    assert not looks_like_initials(raw)


@pytest.mark.parametrize(
    "function",
    [normalize, compact, pinyin_key, initials_key, search_keys, looks_like_pinyin,
     looks_like_initials],
)
@pytest.mark.parametrize("bad", [None, b"abc", 12])
def test_non_strings_raise_type_error(function, bad):
    with pytest.raises(TypeError):
        function(bad)


# --- choosing the key for a query -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "pinyin", "initials"),
    [
        ("fcfb", True, True),
        ("ZDWXY", True, True),
        ("ｙｘｋｊ", True, True),
        ("fc fb", True, True),
        ("aqsc", True, True),
        ("fenchen", True, False),  # whole syllables
        ("changshuguandao", True, False),
        ("an", True, False),  # could be either: match both keys
        ("xian", True, False),  # no syllable starts with i
        ("lv", True, False),
        ("a", False, False),  # too short
        ("a1", False, False),
        ("粉尘", False, False),
        ("fc粉尘", False, False),
    ],
)
def test_query_kind(query, pinyin, initials):
    assert looks_like_pinyin(query) is pinyin
    assert looks_like_initials(query) is initials


# --- the phrase table file ------------------------------------------------------------------


@pytest.fixture
def phrase_file(tmp_path, monkeypatch):
    path = tmp_path / "pinyin_phrases.toml"
    monkeypatch.setattr(t, "PHRASES_FILE", path)
    t._phrase_overrides.cache_clear()
    yield path
    t._phrase_overrides.cache_clear()


@pytest.mark.parametrize(
    "entry",
    [
        '"长输" = ["cháng"]',  # one syllable short
        '"长输" = ["cháng", "shu1"]',  # tone numbers are not the stored form
        '"长输" = ["cháng", "sxu"]',  # not a syllable
        '"長輸" = ["cháng", "shū"]',  # traditional
        '"A级" = ["a", "jí"]',  # not Chinese
        '"长输" = "cháng shū"',  # not a list
    ],
)
def test_a_bad_phrase_entry_is_refused(phrase_file, entry):
    phrase_file.write_text(f"[phrases]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="pinyin_phrases.toml"):
        t._phrase_overrides()


def test_a_good_phrase_file_loads(phrase_file):
    phrase_file.write_text('[phrases]\n"长输" = ["cháng", "shū"]\n', encoding="utf-8")
    assert t._phrase_overrides() == {"长输": ["cháng", "shū"]}


# --- properties -----------------------------------------------------------------------------

# Common, traditional, full-width and compatibility characters, Hangul jamo, combining marks,
# controls, format characters and punctuation: the places where normalisation could go wrong.
TRICKY = (
    "粉尘防爆有限空间长输管道重大危险源行政处罚調壓濟寧縣乾隆麼著"
    "ＡＢＣａｂｃ１２３　、。，·（）【】《》"
    "\uf900\uf9dc\u2f00\u2fa6\u3007\u3400\U00020000"
    "\u1100\u1161\u11a8\u0301\u0308\u0334"
    "abcXYZ019 _-./\t\n\x00\x07\x1f\x85\u200b\u00ad\ufeffİßΣς①½"
)
tricky_text = st.text(alphabet=st.sampled_from(TRICKY), max_size=30)
any_text = st.one_of(st.text(max_size=30), tricky_text)
HANZI = "粉尘防爆有限空间长输管道重大危险源行政处罚单位调查名称储藏冲压企业济宁汶上县安全生产"
hanzi_and_ascii = st.text(
    alphabet=st.sampled_from(HANZI + "abcxyzABC0129 ·，（）-"), max_size=30)


@props
@given(any_text)
def test_normalize_is_idempotent(raw):
    once = normalize(raw)
    assert normalize(once) == once
    assert once == once.strip() and "  " not in once


@props
@given(any_text)
def test_keys_are_consistent(raw):
    keys = search_keys(raw)
    assert keys.normalized == normalize(raw)
    assert keys.compact == compact(raw) == keys.normalized.replace(" ", "")
    assert " " not in keys.compact
    assert len(keys.initials) == len(keys.compact)  # one initial per character
    assert search_keys(keys.normalized) == keys  # the keys depend on the normalised form only


@props
@given(hanzi_and_ascii)
def test_initials_count_chinese_characters_and_ascii_alphanumerics(raw):
    expected = sum(1 for c in raw if c in HANZI or (c.isascii() and c.isalnum()))
    assert len(initials_key(raw)) == expected
    assert pinyin_key(raw).isascii() and initials_key(raw).isascii()


# --- speed ----------------------------------------------------------------------------------


def test_search_keys_is_fast():
    # The target is < 0.2 ms per 10-character name (warm, uncached); the bound here is loose so
    # that a busy CI machine does not fail it, while a converter rebuilt per call still would.
    t.warm_up()
    rng = random.Random(0)
    names = {"".join(rng.choices(HANZI, k=10)) for _ in range(2000)}
    search_keys.cache_clear()
    start = time.perf_counter()
    for name in names:
        search_keys(name)
    print(f"{(time.perf_counter() - start) / len(names) * 1e6:.0f} µs per name")   # measured

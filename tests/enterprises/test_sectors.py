"""Industry code (GB/T 4754-2017) → supervision sector: pure logic plus a tiny Flask app for the
instance override; no database needed."""

from __future__ import annotations

import re
import time
from pathlib import Path

import flask
import pytest

from enforcement.enterprises import sectors
from enforcement.enterprises.models import SECTORS
from enforcement.enterprises.sectors import (
    DEFAULT_FILE,
    SECTOR_LABELS,
    SectorMapError,
    industry_code_problems,
    load,
    normalize_industry_code,
)


@pytest.fixture(scope="module")
def sector_map():
    return load(DEFAULT_FILE)


@pytest.mark.parametrize(
    ("code", "sector"),
    [
        ("3311", "machinery"),            # 结构性金属制品制造
        ("C3311", "machinery"),
        ("C33", "machinery"),
        ("3051", "light_industry"),       # 技术玻璃制品制造 (305 玻璃制品 is out of 建材)
        ("3011", "building_materials"),   # 水泥制造
        ("3041", "building_materials"),   # 平板玻璃制造 stays 建材
        ("3071", "building_materials"),   # 建筑陶瓷制品制造 stays 建材
        ("3074", "light_industry"),       # 日用陶瓷制品制造
        ("3079", "light_industry"),
        ("3120", "metallurgy"),
        ("3216", "nonferrous"),
        ("C1713", "textile"),
        ("2810", "textile"),              # 化学纤维 — a judgement
        ("1620", "tobacco"),
        ("F5211", "commerce"),            # 百货零售
        ("6210", "commerce"),
        ("5920", "commerce"),             # 通用仓储
        ("5942", "hazardous_chemicals"),  # 危险化学品仓储
        ("F5265", "hazardous_chemicals"),  # 机动车燃油零售 — a judgement
        ("2614", "hazardous_chemicals"),
        ("2511", "hazardous_chemicals"),
        ("2671", "hazardous_chemicals"),  # 炸药及火工产品制造
        ("2672", "fireworks"),            # 焰火、鞭炮产品制造
        ("2682", "light_industry"),       # 化妆品制造 (268 日用化学产品)
        ("0610", "coal_mine"),
        ("B0810", "non_coal_mine"),
        ("1011", "non_coal_mine"),
        ("1120", "non_coal_mine"),
        ("0711", "other"),                # 石油开采 — a judgement
        ("8710", "other"),                # 广播
        ("2710", "other"),                # 化学药品原料药制造: not mapped
        ("O8010", "commerce"),
    ],
)
def test_sector_for(sector_map, code, sector):
    assert sector_map.sector_for(code) == sector


@pytest.mark.parametrize("code", ["9999", "0010", "A3311", "C", "3", "33111", "C-33", "", "X33"])
def test_malformed_codes_have_no_sector(sector_map, code):
    assert sector_map.sector_for(code) is None
    assert normalize_industry_code(code) is None
    assert industry_code_problems(code)


def test_sector_for_tolerates_odd_input(sector_map):
    assert sector_map.sector_for(" c 3311 ") == "machinery"
    assert sector_map.sector_for("Ｃ３３１１") == "machinery"
    assert sector_map.sector_for(None) is None  # type: ignore[arg-type]
    assert sector_map.sector_for(3311) is None  # type: ignore[arg-type]


def test_normalize_industry_code():
    assert normalize_industry_code(" c 3311") == "C3311"
    assert normalize_industry_code("３３１１") == "3311"
    assert normalize_industry_code("3311") == "3311"  # no letter added
    assert normalize_industry_code("f52") == "F52"


def test_industry_code_problems_messages():
    assert industry_code_problems("C3311") == []
    assert industry_code_problems("A3311") == ["门类“A”与大类“33”不符：大类 33 属于门类“C”"]
    assert industry_code_problems("9999") == [
        "“99”不是国民经济行业分类（GB/T 4754-2017）的大类代码（应为 01–97）"]
    assert industry_code_problems("C33-11") == [
        "行业代码“C33-11”格式不对：应为门类字母（可省略）加 2–4 位数字，如“C3311”或“3311”"]
    assert industry_code_problems(" ") == ["行业代码不能为空"]


def test_every_section_letter_matches_its_divisions():
    assert sectors.SECTION_OF["01"] == "A" and sectors.SECTION_OF["97"] == "T"
    assert len(sectors.SECTION_OF) == 97
    for division, letter in sectors.SECTION_OF.items():
        assert normalize_industry_code(letter + division) == letter + division


def test_labels_cover_the_model_sectors():
    assert tuple(SECTOR_LABELS) == SECTORS
    assert SECTOR_LABELS["hazardous_chemicals"] == "危险化学品"
    assert SECTOR_LABELS["non_coal_mine"] == "非煤矿山"


def test_packaged_file(sector_map):
    assert sector_map.version == "2026.1"
    assert "应急厅〔2019〕17号" in sector_map.source
    assert set(sector_map.table.values()) <= set(SECTOR_LABELS)
    assert sector_map.prefixes("metallurgy") == ["31"]


def test_sector_for_is_fast(sector_map):
    fresh = load(DEFAULT_FILE)
    codes = [f"C{d}{m:02d}" for d in range(13, 44) for m in range(100)]
    codes = (codes * (200_000 // len(codes) + 1))[:200_000]
    started = time.perf_counter()
    for code in codes:
        fresh.sector_for(code)
    elapsed = time.perf_counter() - started
    print(f"sector_for ×200,000: {elapsed:.2f} s")   # measured, not asserted


# --- loading ---------------------------------------------------------------------------------

GOOD = """\
version = "test.1"
source = "test"
[sectors.machinery]
prefixes = ["33", "34"]
exclude = ["3399"]
[sectors.light_industry]
prefixes = ["13"]
"""


def write(tmp_path: Path, text: str, name: str = "sectors.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_file_and_an_exclusion_nobody_claims(tmp_path):
    m = load(write(tmp_path, GOOD))
    assert m.version == "test.1"
    assert m.sector_for("3311") == "machinery"
    assert m.sector_for("3399") == "other"  # excluded, claimed by no one
    assert m.sector_for("1311") == "light_industry"
    assert m.sector_for("3011") == "other"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD + "[sectors.steel]\nprefixes = [\"31\"]\n", "未知的行业代码“steel”"),
        (GOOD + "[sectors.textile]\nprefixes = [\"17\", \"33\"]\n",
         "[sectors.textile]：前缀“33”重复（已归入 [sectors.machinery]）"),
        (GOOD.replace('["13"]', '["13", "13"]'), "前缀“13”重复"),
        (GOOD.replace('["13"]', '["1"]'), "“1”不是 2–4 位数字的行业代码前缀"),
        (GOOD.replace('["13"]', '["13111"]'), "不是 2–4 位数字的行业代码前缀"),
        (GOOD.replace('["13"]', '[13]'), "“13”不是 2–4 位数字"),
        (GOOD.replace('["13"]', '["99"]'), "大类“99”在 GB/T 4754-2017 中不存在"),
        (GOOD.replace('exclude = ["3399"]', 'exclude = ["1311"]'),
         "排除项“1311”不在本行业的任何前缀之下"),
        (GOOD.replace('prefixes = ["13"]', 'prefix = ["13"]'), "未知的键 prefix"),
        (GOOD.replace('version = "test.1"\n', ""), "缺少 version"),
        (GOOD + "extra = 1\n", "[sectors.light_industry]：未知的键 extra"),
        (GOOD.replace("[sectors.machinery]", "[sectors.machinery\n"), "不是有效的 TOML"),
    ],
)
def test_a_bad_file_names_the_file_and_the_problem(tmp_path, text, problem):
    path = write(tmp_path, text, "bad-sectors.toml")
    with pytest.raises(SectorMapError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert info.value.path == str(path)


def test_a_missing_file(tmp_path):
    with pytest.raises(SectorMapError, match="nowhere.toml: 无法读取"):
        load(tmp_path / "nowhere.toml")


def test_without_an_app_the_packaged_file_is_loaded(tmp_path):
    app = flask.Flask(__name__, instance_path=str(tmp_path))
    with app.app_context():
        assert load().path == str(DEFAULT_FILE)


def test_an_instance_file_replaces_the_packaged_one(tmp_path):
    (tmp_path / "rules").mkdir()
    override = write(tmp_path / "rules", GOOD.replace("test.1", "bureau.7"))
    app = flask.Flask(__name__, instance_path=str(tmp_path))
    with app.app_context():
        m = load()
        assert m.path == str(override)
        assert m.version == "bureau.7"
        assert m.sector_for("3011") == "other"
        assert load(DEFAULT_FILE).version == "2026.1"  # an explicit path still wins


def test_a_bad_instance_file_is_named(tmp_path):
    (tmp_path / "rules").mkdir()
    override = write(tmp_path / "rules", GOOD + "[sectors.bogus]\nprefixes = []\n")
    app = flask.Flask(__name__, instance_path=str(tmp_path))
    with app.app_context(), pytest.raises(SectorMapError, match=re.escape(str(override))):
        load()

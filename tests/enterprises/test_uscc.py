"""统一社会信用代码 (GB 32100-2015): pure logic, no app or database needed."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enforcement.enterprises import uscc
from enforcement.enterprises.uscc import (
    ALPHABET,
    WEIGHTS,
    check_char,
    generate,
    generate_many,
    is_valid,
    normalize,
    org_check_char,
    org_code_problems,
    region_code,
    validate,
)

# conftest's autouse database fixture is function-scoped; these tests do not use it.
props = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Codes published on the web (the python-stdnum test list and the code most often cited as an
# example), checked here by the algorithm alone: each passes the mod-31 check and the GB 11714
# check of its organisation code. Several have letters in the 主体标识码 ("MA…", "L…", "M…").
PUBLISHED = [
    "91350100M000100Y43",
    "91110000600037341L",
    "121200004013590816",
    "91110000710926094P",
    "9115220107837757XE",
    "91310115MA1K3BTP2B",
    "91340600MA2PBM9HXD",
    "91420684MA4927PJ7B",
    "91620105L015101280",
    "92340603MA2PBMYMX1",
]

regions = st.from_regex(r"[1-6][0-9]{5}", fullmatch=True)
seeds = st.integers(min_value=0, max_value=2**64)


# --- the algorithm ---------------------------------------------------------------------------


def test_weights_are_the_powers_of_three_mod_31():
    assert list(WEIGHTS) == [pow(3, i, 31) for i in range(17)]
    assert len(ALPHABET) == 31 and not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert validate(code) == []
    assert is_valid(code)
    assert check_char(code[:17]) == code[17]
    assert org_code_problems(code) == []


def test_check_char_of_the_cited_example():
    assert check_char("91350100M000100Y4") == "3"


def test_org_check_values_letters_as_a10_to_z35():
    # "MA2PBM9H" → "X" only when letters count A=10 … Z=35 (GB 11714); by their place in the
    # 31-character alphabet (P=23 instead of 25, …) the digit would be different.
    assert org_check_char("MA2PBM9H") == "X"
    assert org_check_char("M000100Y") == "4"


@pytest.mark.parametrize("bad", ["9135010", "91350100M000100Y", "91350100I000100Y4"])
def test_check_char_refuses_other_input(bad):
    with pytest.raises(ValueError):
        check_char(bad)


# --- normalisation ---------------------------------------------------------------------------


def test_full_width_lower_case_spaces_and_hyphens_are_normalised():
    raw = " ９１３５０１００ｍ０００ １００－ｙ４３\u3000"
    assert normalize(raw) == "91350100M000100Y43"
    assert validate(raw) == []
    assert is_valid("91350100-m000100y43")
    assert normalize("9135 0100\tM000-100—Y43") == "91350100M000100Y43"


# --- problems, with their exact messages -----------------------------------------------------


def test_wrong_length():
    assert validate("91350100M000100Y4") == ["应为 18 位，实际 17 位"]
    assert validate("91350100M000100Y433") == ["应为 18 位，实际 19 位"]


def test_empty():
    assert validate("  ") == ["不能为空"]


def test_excluded_letter_with_its_position():
    assert validate("91350100I000100Y43") == [
        "第 9 位“I”不是允许的字符（不使用 I、O、S、V、Z）"]


def test_other_illegal_character():
    assert validate("91350100M000100Y4#") == [
        "第 18 位“#”不是允许的字符（只能是数字和除 I、O、S、V、Z 外的大写字母）"]


def test_wrong_check_character_says_which_is_expected():
    assert validate("91350100M000100Y44") == ["第 18 位校验码应为“3”，实际为“4”"]


def test_region_must_be_digits():
    code = "91A50100M000100Y4"
    code += check_char(code)
    assert validate(code) == ["第 3 位“A”应为数字（第 3–8 位是登记管理机关行政区划码）"]


def test_several_problems_are_all_reported():
    assert validate("9135O100M000100Y4") == [
        "应为 18 位，实际 17 位",
        "第 5 位“O”不是允许的字符（不使用 I、O、S、V、Z）",
    ]


def test_org_code_problem_is_separate_from_validate():
    code = "91350100M000100Y5"  # organisation check char should be 4
    code += check_char(code)
    assert validate(code) == []
    assert org_code_problems(code) == ["第 17 位（组织机构代码校验码）应为“4”，实际为“5”"]
    assert org_code_problems("91350100M000") == []  # malformed: validate() says why


def test_region_code():
    assert region_code("91350100M000100Y43") == "350100"
    assert region_code(" ９１３５０１００ｍ０００１００ｙ４３") == "350100"
    with pytest.raises(ValueError):
        region_code("913501")


# --- detection properties --------------------------------------------------------------------


def test_every_single_substitution_of_a_published_code_is_detected():
    for code in PUBLISHED:
        for i, original in enumerate(code):
            for c in ALPHABET:
                if c != original:
                    assert not is_valid(code[:i] + c + code[i + 1:]), (code, i, c)


@props
@given(seeds, regions, st.integers(min_value=0, max_value=17), st.data())
def test_changing_any_character_of_a_generated_code_is_detected(seed, region, i, data):
    code = generate(region, seed=seed)
    c = data.draw(st.sampled_from([c for c in ALPHABET if c != code[i]]))
    assert not is_valid(code[:i] + c + code[i + 1:])


@props
@given(seeds, st.integers(min_value=0, max_value=16))
def test_swapping_two_adjacent_different_characters_is_detected(seed, i):
    code = generate(seed=seed)
    swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
    assert is_valid(swapped) == (swapped == code)


# --- generate --------------------------------------------------------------------------------


@props
@given(seeds, regions)
def test_generated_codes_are_valid_with_a_valid_organisation_code(seed, region):
    code = generate(region, seed=seed)
    assert validate(code) == []
    assert org_code_problems(code) == []
    assert code[0] == "9" and code[1] in "123"
    assert region_code(code) == region


def test_generate_is_deterministic_for_a_seed():
    assert generate(seed=7) == generate(seed=7)
    assert generate("370830", seed=7) != generate("370830", seed=8)
    rng = random.Random(7)
    first, second = generate(seed=rng), generate(seed=rng)
    assert first != second  # a Random is advanced


def test_generate_refuses_a_bad_region():
    for region in ("37083", "37083X", "３７０８３０", 370830):
        with pytest.raises(ValueError):
            generate(region, seed=1)  # type: ignore[arg-type]


def test_generate_many_is_unique_valid_deterministic_and_fast():
    started = time.perf_counter()
    codes = generate_many(100_000, "370830", 2026)
    elapsed = time.perf_counter() - started
    assert len(codes) == 100_000
    assert len(set(codes)) == len(codes)
    assert len({c[8:16] for c in codes}) == len(codes)  # no 主体标识码 twice
    assert all(uscc.is_valid(c) for c in codes[:: 97])
    assert codes[:50] == generate_many(50, "370830", seed=2026)
    print(f"generate_many(100000): {elapsed:.2f} s")   # measured, not asserted
    mostly_enterprises = sum(c[1] == "1" for c in codes) / len(codes)
    assert 0.75 < mostly_enterprises < 0.95


def test_generate_many_edges():
    assert generate_many(0, "370830", seed=1) == []
    with pytest.raises(ValueError):
        generate_many(-1, "370830", seed=1)
    with pytest.raises(ValueError):
        generate_many(1, "3708", seed=1)

"""统一社会信用代码 (unified social credit code, GB 32100-2015): normalise, validate, generate.

18 characters: 1 登记管理部门码, 1 机构类别码, 6 登记管理机关行政区划码 (GB/T 2260), 9 主体标识码
(the organisation code of GB 11714: 8 characters and its own check character), 1 校验码.
The alphabet is the digits and the capital letters without I, O, S, V and Z (31 characters);
the check character makes ``sum(value × 3^i mod 31) + check ≡ 0 (mod 31)``. Because 31 is prime
and no weight is 0 mod 31, every single substitution and every transposition of two adjacent,
different characters is detected (tests/enterprises/test_uscc.py checks both).

The organisation code's own check (GB 11714: weights 3,7,9,10,5,8,4,2, mod 11, 10 → X, 11 → 0)
values letters as A=10 … Z=35 — not by their place in the 31-character alphabet; published codes
with letters in the 主体标识码 (``MA…``) only pass that way. Some registered codes fail this
sub-check, so :func:`validate` ignores it and :func:`org_code_problems` reports it separately.

Pure logic: no app, no database.
"""

from __future__ import annotations

import random
import re
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18
EXCLUDED = "IOSVZ"

_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−]+")
_REGION = re.compile(r"[0-9]{6}")
# Per-position terms, so that checking a code is a few dictionary look-ups.
_TERMS = tuple({c: v * w for c, v in _VALUE.items()} for w in WEIGHTS)
_ORG_TERMS = tuple({c: int(c, 36) * w for c in ALPHABET} for w in ORG_WEIGHTS)


def _weighted(terms: tuple[dict[str, int], ...], chars: str | list[str]) -> int:
    return sum(t[c] for t, c in zip(terms, chars, strict=True))


def normalize(code: str) -> str:
    """NFKC (full-width → half-width), no spaces or hyphens, upper case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", code)).upper()


def check_char(first17: str) -> str:
    """The 18th character for the 17 before it.

    :raises ValueError: not 17 characters of the alphabet.
    """
    if len(first17) != LENGTH - 1 or not all(c in _VALUE for c in first17):
        raise ValueError(f"need 17 characters of {ALPHABET!r}, got {first17!r}")
    return ALPHABET[-_weighted(_TERMS, first17) % 31]


def org_check_char(first8: str) -> str:
    """GB 11714's check character for the first 8 characters of an organisation code.

    :raises ValueError: not 8 characters of the alphabet.
    """
    if len(first8) != 8 or not all(c in _VALUE for c in first8):
        raise ValueError(f"need 8 characters of {ALPHABET!r}, got {first8!r}")
    return _org_check(first8)


def _org_check(first8: str) -> str:
    rest = 11 - _weighted(_ORG_TERMS, first8) % 11
    return "X" if rest == 10 else "0" if rest == 11 else str(rest)


def _char_problems(code: str) -> list[str]:
    problems = []
    for i, c in enumerate(code, start=1):
        if c not in _VALUE:
            why = ("不使用 I、O、S、V、Z" if c in EXCLUDED
                   else "只能是数字和除 I、O、S、V、Z 外的大写字母")
            problems.append(f"第 {i} 位“{c}”不是允许的字符（{why}）")
        elif 3 <= i <= 8 and not c.isdigit():
            problems.append(f"第 {i} 位“{c}”应为数字（第 3–8 位是登记管理机关行政区划码）")
    return problems


def validate(code: str) -> list[str]:
    """What is wrong with ``code`` (after :func:`normalize`), in Chinese; empty when valid.

    Positions count from 1 in the normalised code. The check character is only judged when the
    code has 18 allowed characters.
    """
    code = normalize(code)
    if not code:
        return ["不能为空"]
    problems = []
    if len(code) != LENGTH:
        problems.append(f"应为 18 位，实际 {len(code)} 位")
    chars = _char_problems(code)
    problems += chars
    if len(code) == LENGTH and all(c in _VALUE for c in code):
        expected = check_char(code[:17])
        if code[17] != expected:
            problems.append(f"第 18 位校验码应为“{expected}”，实际为“{code[17]}”")
    return problems


def is_valid(code: str) -> bool:
    return not validate(code)


def org_code_problems(code: str) -> list[str]:
    """The GB 11714 check of the embedded organisation code (positions 9–17), in Chinese.

    Empty when that check passes — and when the code is too malformed to find the organisation
    code (wrong length or characters outside the alphabet): run :func:`validate` first.
    """
    code = normalize(code)
    if len(code) != LENGTH or not all(c in _VALUE for c in code):
        return []
    expected = _org_check(code[8:16])
    if code[16] != expected:
        return [f"第 17 位（组织机构代码校验码）应为“{expected}”，实际为“{code[16]}”"]
    return []


def region_code(code: str) -> str:
    """登记管理机关行政区划码: positions 3–8 of the normalised code.

    :raises ValueError: the code is not 18 characters long.
    """
    code = normalize(code)
    if len(code) != LENGTH:
        raise ValueError(f"a credit code has 18 characters, got {len(code)}")
    return code[2:8]


# -- demo data ---------------------------------------------------------------------------------

# 机构类别码 under 登记管理部门 9 (市场监管): 1 企业, 2 个体工商户, 3 农民专业合作社.
_CATEGORIES = ("1",) * 17 + ("2", "3", "2")


def _rng(seed: int | random.Random) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _generator(region: str):
    """A function rng → (主体标识码 body, code) for codes registered in ``region``; the sums of
    the fixed parts are computed once."""
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ValueError(f"region must be a 6-digit administrative code, got {region!r}")
    heads = {cat: f"9{cat}{region}" for cat in set(_CATEGORIES)}
    head_sums = {cat: _weighted(_TERMS[:8], head) for cat, head in heads.items()}
    body_terms, tail_terms, check_terms = _TERMS[8:16], _TERMS[10:16], _TERMS[16]
    org_tail_terms = _ORG_TERMS[2:]
    ma_org, ma_sum = _weighted(_ORG_TERMS[:2], "MA"), _weighted(_TERMS[8:10], "MA")

    def one(rng: random.Random) -> tuple[str, str]:
        cat = rng.choice(_CATEGORIES)
        if rng.random() < 0.6:  # new-style 主体标识码 (since 2015): "MA" + 6 characters
            tail = rng.choices(ALPHABET, k=6)
            org = ma_org + _weighted(org_tail_terms, tail)
            total = ma_sum + _weighted(tail_terms, tail)
            body = "MA" + "".join(tail)
        else:  # old-style organisation code: 8 digits
            body = f"{rng.randrange(100_000_000):08d}"
            org = _weighted(_ORG_TERMS, body)
            total = _weighted(body_terms, body)
        rest = 11 - org % 11
        org_check = "X" if rest == 10 else "0" if rest == 11 else str(rest)
        total += head_sums[cat] + check_terms[org_check]
        return body, heads[cat] + body + org_check + ALPHABET[-total % 31]

    return one


def generate(region: str = "370830", *, seed: int | random.Random) -> str:
    """A valid random code for demo data, registered in ``region`` (登记管理部门 9, 机构类别
    mostly 1), whose organisation code passes GB 11714 too. The same int seed gives the same
    code; a ``random.Random`` is advanced."""
    return _generator(region)(_rng(seed))[1]


def generate_many(n: int, region: str, seed: int | random.Random) -> list[str]:
    """``n`` valid codes as :func:`generate` makes them, no two sharing a 主体标识码 (so no
    duplicates); deterministic for an int seed."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    one, rng = _generator(region), _rng(seed)
    seen: set[str] = set()
    codes: list[str] = []
    while len(codes) < n:
        body, code = one(rng)
        if body not in seen:
            seen.add(body)
            codes.append(code)
    return codes

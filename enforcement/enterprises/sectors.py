"""Supervision sector (监管行业) from a GB/T 4754-2017 industry code (国民经济行业分类).

The map is data (``data/sectors.toml``, format described there): sector → industry-code prefixes,
the longest matching prefix wins, and a well-formed code no prefix matches is ``other``. A bureau
replaces the file with ``<instance>/rules/sectors.toml``. :func:`load` checks the file and raises
:class:`SectorMapError` naming the file and the problem.

Industry codes are written with or without their section letter: ``C3311``, ``3311``, ``C33``.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).with_name("data") / "sectors.toml"
OVERRIDE = Path("rules") / "sectors.toml"

SECTOR_LABELS: dict[str, str] = {
    "metallurgy": "冶金",
    "nonferrous": "有色",
    "building_materials": "建材",
    "machinery": "机械",
    "light_industry": "轻工",
    "textile": "纺织",
    "tobacco": "烟草",
    "commerce": "商贸",
    "hazardous_chemicals": "危险化学品",
    "fireworks": "烟花爆竹",
    "non_coal_mine": "非煤矿山",
    "coal_mine": "煤矿",
    "other": "其他",
}

# GB/T 4754-2017 sections (门类) and their divisions (大类); every division 01–97 exists.
_SECTION_RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}
SECTION_OF: dict[str, str] = {f"{d:02d}": letter for letter, (lo, hi) in _SECTION_RANGES.items()
                              for d in range(lo, hi + 1)}

_CODE = re.compile(r"([A-Z]?)([0-9]{2,4})")
_PREFIX = re.compile(r"[0-9]{2,4}")
_MEMO_LIMIT = 8192  # distinct inputs remembered per map (GB/T 4754 has ~1,400 小类)


class SectorMapError(ValueError):
    """The sector map file is unreadable or wrong; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


def _parse(code: str) -> tuple[str, str] | None:
    """(letter or "", digits) of a well-formed code, None otherwise."""
    if not isinstance(code, str):
        return None
    if not (code.isascii() and (code.isdigit() or code.isalnum() and code.isupper())):
        code = "".join(unicodedata.normalize("NFKC", code).split()).upper()
    match = _CODE.fullmatch(code)
    if match is None:
        return None
    letter, digits = match.groups()
    section = SECTION_OF.get(digits[:2])
    if section is None or (letter and letter != section):
        return None
    return letter, digits


def normalize_industry_code(code: str) -> str | None:
    """``" c 3311"`` → ``"C3311"``; ``"３３１１"`` → ``"3311"`` (a letter is kept only if given).

    None for a malformed code: not an optional letter and 2–4 digits, a division (大类) that
    GB/T 4754-2017 does not have, or a letter that is not the division's section (门类).
    """
    parsed = _parse(code)
    return None if parsed is None else parsed[0] + parsed[1]


def industry_code_problems(code: str) -> list[str]:
    """What is wrong with an industry code, in Chinese; empty when well-formed."""
    text = "".join(unicodedata.normalize("NFKC", code or "").split()).upper()
    if not text:
        return ["行业代码不能为空"]
    match = _CODE.fullmatch(text)
    if match is None:
        return [f"行业代码“{text}”格式不对：应为门类字母（可省略）加 2–4 位数字，"
                "如“C3311”或“3311”"]
    letter, digits = match.groups()
    section = SECTION_OF.get(digits[:2])
    if section is None:
        return [f"“{digits[:2]}”不是国民经济行业分类（GB/T 4754-2017）的大类代码（应为 01–97）"]
    if letter and letter != section:
        return [f"门类“{letter}”与大类“{digits[:2]}”不符：大类 {digits[:2]} 属于门类“{section}”"]
    return []


@dataclass(frozen=True, eq=False)
class SectorMap:
    """Industry-code prefix → sector, checked; :meth:`sector_for` answers from it."""

    version: str
    source: str
    path: str
    table: dict[str, str]
    _memo: dict[str, str | None] = field(default_factory=dict, repr=False)

    def sector_for(self, industry_code: str) -> str | None:
        """The sector of an industry code (``"C3311"``, ``"3311"``, ``"C33"``): None when the
        code is malformed (see :func:`normalize_industry_code`), ``"other"`` when no prefix
        matches."""
        memo = self._memo
        try:
            return memo[industry_code]
        except (KeyError, TypeError):
            pass
        parsed = _parse(industry_code)
        sector = None
        if parsed is not None:
            digits, table = parsed[1], self.table
            sector = (table.get(digits[:4]) or table.get(digits[:3]) or table.get(digits[:2])
                      or "other")
        if isinstance(industry_code, str) and len(memo) < _MEMO_LIMIT:
            memo[industry_code] = sector
        return sector

    def prefixes(self, sector: str) -> list[str]:
        """The prefixes mapped to ``sector``, sorted (for display and tests)."""
        return sorted(p for p, s in self.table.items() if s == sector)


def load(path: str | os.PathLike[str] | None = None) -> SectorMap:
    """The sector map from ``path``; without one, the bureau's
    ``<instance_path>/rules/sectors.toml`` when a Flask app is active and has that file, else
    the packaged ``data/sectors.toml``.

    :raises SectorMapError: the file is unreadable, not TOML, or breaks a rule of the format.
    """
    if path is None:
        path = _override() or DEFAULT_FILE
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SectorMapError(path, f"无法读取（{exc.strerror or exc}）") from exc
    except UnicodeDecodeError as exc:
        raise SectorMapError(path, "不是 UTF-8 编码的文本") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SectorMapError(path, f"不是有效的 TOML：{exc}") from exc
    try:
        version, source, table = _check(data)
    except _Problem as exc:
        raise SectorMapError(path, str(exc)) from None
    return SectorMap(version=version, source=source, path=str(path), table=table)


def _override() -> Path | None:
    from enforcement.core.rulefiles import override_path

    return override_path(OVERRIDE.name)


class _Problem(Exception):
    pass


def _check(data: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    unknown = sorted(set(data) - {"version", "source", "sectors"})
    if unknown:
        raise _Problem(f"未知的顶层键 {', '.join(unknown)}（只允许 version、source、sectors）")
    for key in ("version", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _Problem(f"缺少 {key}（应为非空字符串）")
    sectors = data.get("sectors")
    if not isinstance(sectors, dict) or not sectors:
        raise _Problem("缺少 [sectors.<行业代码>] 表")

    table: dict[str, str] = {}
    exclusions: dict[str, str] = {}
    for sector, entry in sectors.items():
        where = f"[sectors.{sector}]"
        if sector not in SECTOR_LABELS:
            raise _Problem(f"{where}：未知的行业代码“{sector}”，应为 {', '.join(SECTOR_LABELS)}")
        if not isinstance(entry, dict):
            raise _Problem(f"{where} 应为表")
        extra = sorted(set(entry) - {"prefixes", "exclude"})
        if extra:
            raise _Problem(f"{where}：未知的键 {', '.join(extra)}（只允许 prefixes、exclude）")
        if "prefixes" not in entry:
            raise _Problem(f"{where}：缺少 prefixes")
        own = _prefix_list(entry["prefixes"], f"{where} prefixes")
        for prefix in own:
            if prefix in table:
                raise _Problem(f"{where}：前缀“{prefix}”重复"
                               f"（已归入 [sectors.{table[prefix]}]）")
            table[prefix] = sector
        for prefix in _prefix_list(entry.get("exclude", []), f"{where} exclude"):
            if prefix in exclusions:
                raise _Problem(f"{where}：排除项“{prefix}”重复"
                               f"（[sectors.{exclusions[prefix]}] 已排除）")
            if not any(prefix.startswith(p) and prefix != p for p in own):
                raise _Problem(f"{where}：排除项“{prefix}”不在本行业的任何前缀之下")
            exclusions[prefix] = sector
    for prefix, sector in exclusions.items():
        if table.get(prefix) == sector:
            raise _Problem(f"[sectors.{sector}]：“{prefix}”既在 prefixes 中又被 exclude 排除")
        table.setdefault(prefix, "other")
    return data["version"].strip(), data["source"].strip(), table


def _prefix_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise _Problem(f"{where} 应为字符串列表")
    seen: set[str] = set()
    for prefix in value:
        if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
            raise _Problem(f"{where}：“{prefix}”不是 2–4 位数字的行业代码前缀")
        if prefix[:2] not in SECTION_OF:
            raise _Problem(f"{where}：“{prefix}”的大类“{prefix[:2]}”在 GB/T 4754-2017 中不存在")
        if prefix in seen:
            raise _Problem(f"{where}：前缀“{prefix}”重复")
        seen.add(prefix)
    return value

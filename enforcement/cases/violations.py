"""违法行为目录 as data: the violations a case may name and their statutory fines.

The table (``data/violations.toml``; a bureau replaces it with ``instance/rules/violations.toml``)
lists each violation of the 《中华人民共和国安全生产法》(2021年修正) 第六章 法律责任 with the
article breached (违法条款), the penalty provision (处罚依据), the penalty as the law words it and
the fine ranges: of the 生产经营单位, of the responsible individuals, and the escalated ranges of
"逾期未改正的" / "拒不改正的". "以上、以下" include the endpoint, so a range is closed
[min, max]; "…以下" has min 0. Money is :class:`~decimal.Decimal` yuan, never float.

Every ``violation_code`` of the inspection checklist must be in the catalogue, and the discretion
benchmark (``discretion.toml``) is validated against it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
DEFAULT = DATA / "violations.toml"

PARTY_KINDS = ("unit", "individual")
CODE_RE = re.compile(r"^[A-Z]{2,10}\d{1,4}(-\d{1,3})?$")
CENT = Decimal("0.01")

_TOP_KEYS = {"name", "version", "effective", "source", "violations"}
_RANGES = ("unit", "individual", "escalated_unit", "escalated_individual")
_ENTRY_KEYS = ({"code", "description", "violated", "penalty_basis", "penalty", "major_hazard",
                "party_kinds", "keywords"}
               | {f"{r}_{end}" for r in _RANGES for end in ("min", "max")})


class CatalogueError(ValueError):
    """The violation catalogue is malformed; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class FineRange:
    """A closed range of yuan: "以上、以下" include the endpoint."""

    min: Decimal
    max: Decimal

    def __contains__(self, amount: Decimal) -> bool:
        return self.min <= amount <= self.max

    def within(self, other: FineRange) -> bool:
        return other.min <= self.min and self.max <= other.max

    def to_dict(self) -> dict[str, str]:
        return {"min": money_str(self.min), "max": money_str(self.max)}


def money_str(amount: Decimal) -> str:
    """Money for JSON: a string with two decimals ("50000.00")."""
    return f"{amount.quantize(CENT):.2f}"


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    description: str
    violated: str
    penalty_basis: str
    penalty: str
    unit: FineRange | None
    individual: FineRange | None
    escalated_unit: FineRange | None
    escalated_individual: FineRange | None
    major_hazard: bool
    party_kinds: tuple[str, ...]
    keywords: tuple[str, ...]

    def statutory(self, party_kind: str, escalated: bool = False) -> FineRange | None:
        """The statutory fine range for ``party_kind``; ``escalated`` = the range of
        "逾期未改正的" / "拒不改正的". ``None`` where the provision sets no fine for that case."""
        if party_kind not in PARTY_KINDS:
            raise ValueError(f"unknown party kind {party_kind!r}")
        if escalated:
            return self.escalated_unit if party_kind == "unit" else self.escalated_individual
        return self.unit if party_kind == "unit" else self.individual

    @property
    def has_fine(self) -> bool:
        return any(getattr(self, name) is not None for name in _RANGES)

    def to_dict(self) -> dict[str, Any]:
        def rng(value: FineRange | None) -> dict[str, str] | None:
            return value.to_dict() if value is not None else None

        return {
            "code": self.code,
            "description": self.description,
            "violated": self.violated,
            "penalty_basis": self.penalty_basis,
            "penalty": self.penalty,
            "fines": {name: rng(getattr(self, name)) for name in _RANGES},
            "major_hazard": self.major_hazard,
            "party_kinds": list(self.party_kinds),
            "keywords": list(self.keywords),
        }


@dataclass(frozen=True, slots=True)
class Catalogue:
    name: str
    version: str
    effective: date
    violations: dict[str, Violation]  # file order

    @property
    def ident(self) -> str:
        return f"{self.name}@{self.version}"

    def get(self, code: str) -> Violation | None:
        return self.violations.get(code)

    def search(self, q: str | None) -> list[Violation]:
        """Violations matching every word of ``q``, in file order. A word matches a code prefix
        ("SCL99", "scl99-2", or just "99-2"), or is a substring of the description, the 违法条款,
        the 处罚依据 or a keyword ("培训", "第九十九条"). A blank ``q`` lists all."""
        words = (q or "").split()
        return [v for v in self.violations.values() if all(_matches(v, w) for w in words)]


def _matches(violation: Violation, word: str) -> bool:
    upper = word.upper()
    if violation.code.startswith(upper):
        return True
    if re.fullmatch(r"\d+(-\d*)?", word) and violation.code.removeprefix("SCL").startswith(word):
        return True
    texts = (violation.description, violation.violated, violation.penalty_basis,
             *violation.keywords)
    return any(word in text or upper in text.upper() for text in texts)


# ───────────────────────────── parsing ─────────────────────────────


def _text(table: dict, key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: '{key}' must be non-empty text")
    return value.strip()


def money(value: Any, where: str, key: str) -> Decimal:
    """A TOML amount of yuan: a whole number ≥ 0 (floats are refused: money is exact)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogueError(f"{where}: '{key}' must be a whole number of yuan, got {value!r}")
    if value < 0:
        raise CatalogueError(f"{where}: '{key}' must not be negative")
    return Decimal(value).quantize(CENT)


def fine_range(raw: dict, prefix: str, where: str,
               error: type[ValueError] = CatalogueError) -> FineRange | None:
    """``<prefix>_min`` and ``<prefix>_max`` of ``raw`` as a range; both or neither."""
    lo_key, hi_key = f"{prefix}_min", f"{prefix}_max"
    if lo_key not in raw and hi_key not in raw:
        return None
    if lo_key not in raw or hi_key not in raw:
        raise error(f"{where}: give both '{lo_key}' and '{hi_key}' or neither")
    try:
        lo, hi = money(raw[lo_key], where, lo_key), money(raw[hi_key], where, hi_key)
    except CatalogueError as err:
        raise error(str(err)) from None
    if lo > hi:
        raise error(f"{where}: '{lo_key}' {lo} is greater than '{hi_key}' {hi}")
    return FineRange(lo, hi)


def _str_list(raw: dict, key: str, where: str, *, required: bool) -> tuple[str, ...]:
    values = raw.get(key)
    if values is None and not required:
        return ()
    if (not isinstance(values, list)
            or not all(isinstance(v, str) and v.strip() for v in values)):
        raise CatalogueError(f"{where}: '{key}' must be a list of non-empty texts")
    return tuple(v.strip() for v in values)


def _violation(raw: Any, where: str) -> Violation:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: must be a table")
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise CatalogueError(f"{where}: 'code' {code!r} must look like SCL99 or SCL99-2")
    where = f"{where} ({code})"
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    parties = _str_list(raw, "party_kinds", where, required=True)
    if not parties or set(parties) - set(PARTY_KINDS) or len(set(parties)) != len(parties):
        raise CatalogueError(f"{where}: 'party_kinds' must list 'unit' and/or 'individual'")
    major = raw.get("major_hazard", False)
    if not isinstance(major, bool):
        raise CatalogueError(f"{where}: 'major_hazard' must be true or false")
    ranges = {name: fine_range(raw, name, where) for name in _RANGES}
    for name, value in ranges.items():
        party = name.removeprefix("escalated_")
        if value is not None and party not in parties:
            raise CatalogueError(f"{where}: '{name}' fine given but '{party}' is not in "
                                 "'party_kinds'")
    return Violation(code=code, description=_text(raw, "description", where),
                     violated=_text(raw, "violated", where),
                     penalty_basis=_text(raw, "penalty_basis", where),
                     penalty=_text(raw, "penalty", where), **ranges, major_hazard=major,
                     party_kinds=parties, keywords=_str_list(raw, "keywords", where,
                                                             required=False))


def parse(data: dict, path: Path) -> Catalogue:
    """Validate a parsed catalogue; :class:`CatalogueError` names the file and the entry."""
    name = path.name
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise CatalogueError(f"{name}: unknown keys {', '.join(sorted(unknown))}")
    effective = data.get("effective")
    if not isinstance(effective, date):
        raise CatalogueError(f"{name}: 'effective' must be a date (YYYY-MM-DD)")
    raw_list = data.get("violations")
    if not isinstance(raw_list, list) or not raw_list:
        raise CatalogueError(f"{name}: no [[violations]]")
    violations: dict[str, Violation] = {}
    for i, raw in enumerate(raw_list):
        violation = _violation(raw, f"{name}: violations[{i}]")
        if violation.code in violations:
            raise CatalogueError(f"{name}: violations[{i}] ({violation.code}): duplicate code")
        violations[violation.code] = violation
    return Catalogue(name=_text(data, "name", name), version=_text(data, "version", name),
                     effective=effective, violations=violations)


def read(path: Path, error: type[ValueError] = CatalogueError) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise error(f"{path}: {err}") from err


def load(path: Path | None = None) -> Catalogue:
    """Read and validate the catalogue at ``path`` (default: the bureau's override, if any, else
    the packaged file). Not cached; request-time code calls :func:`catalogue`."""
    from enforcement.core.rulefiles import rule_file

    path = Path(path) if path is not None else rule_file(DEFAULT)
    return parse(read(path), path)


@lru_cache(maxsize=8)
def _cached(path: Path, mtime_ns: int) -> Catalogue:
    return parse(read(path), path)


def current_path() -> Path:
    from enforcement.core.rulefiles import rule_file

    return rule_file(DEFAULT)


def catalogue() -> Catalogue:
    """The catalogue in force, cached per file and modification time (an edited override is
    picked up without a restart)."""
    path = current_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as err:
        raise CatalogueError(f"{path}: {err}") from err
    return _cached(path, mtime)

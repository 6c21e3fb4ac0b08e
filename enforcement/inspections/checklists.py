"""现场检查表 as data: which items an inspection of an enterprise checks.

The table (``data/checklists.toml``; a bureau replaces it with ``instance/rules/checklists.toml``)
lists groups and items. A group applies to an enterprise when its ``when`` holds — ``sectors``
(any of) and ``features`` (any of), both when both are given; an item may narrow its group with
its own ``when``. Items whose failure is a 重大事故隐患 name the clause (e.g.
令10号 第十一条第(三)项 — 应急管理部令第10号《工贸企业重大事故隐患判定标准》) and every
item names the violation of the 安全生产法 it maps to when a case is opened. The
checklist's ``name@version`` is stored with every record made from it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
CHECKLISTS_FILE = DATA / "checklists.toml"
RULES_FILE = DATA / "inspection_rules.toml"

SECTORS = frozenset({"metallurgy", "nonferrous", "building_materials", "machinery",
                     "light_industry", "textile", "tobacco", "commerce", "hazardous_chemicals",
                     "fireworks", "non_coal_mine", "coal_mine", "other"})
# enterprise feature flags, plus ``major_hazard_source`` (a 重大危险源 of any level)
FEATURES = frozenset({"dust_explosion", "metal_dust", "dust_workers", "ammonia_refrigeration",
                      "confined_space", "confined_space_toxic", "metal_smelting",
                      "hazardous_chemicals_use", "hot_work", "work_at_height",
                      "outsourced_construction", "major_hazard_source"})


class ChecklistError(ValueError):
    """The checklist file is malformed; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class When:
    sectors: frozenset[str] = frozenset()
    features: frozenset[str] = frozenset()

    def holds(self, sector: str | None, features: frozenset[str]) -> bool:
        if self.sectors and sector not in self.sectors:
            return False
        return not self.features or bool(self.features & features)


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    name: str
    when: When


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    group: Group
    text: str
    basis: str
    violation_code: str
    violation: str
    major_hazard_clause: str | None = None
    when: When = When()

    @property
    def major(self) -> bool:
        return self.major_hazard_clause is not None


@dataclass(frozen=True, slots=True)
class Checklists:
    name: str
    version: str
    effective: date
    groups: tuple[Group, ...]
    items: tuple[Item, ...]

    @property
    def ident(self) -> str:
        return f"{self.name}@{self.version}"

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def for_enterprise(self, sector: str | None, features: dict[str, Any]) -> list[Item]:
        """The items that apply, in file order."""
        flags = enterprise_flags(features)
        return [i for i in self.items
                if i.group.when.holds(sector, flags) and i.when.holds(sector, flags)]


def enterprise_flags(features: dict[str, Any]) -> frozenset[str]:
    flags = {name for name in FEATURES if name != "major_hazard_source" and features.get(name)}
    if features.get("major_hazard_level"):
        flags.add("major_hazard_source")
    return frozenset(flags)


@dataclass(frozen=True, slots=True)
class InspectionRules:
    """Defaults of the inspection workflow (inspection_rules.toml)."""

    version: str
    general_days: int
    major_days: int


def _where(path: Path, what: str) -> str:
    return f"{path.name}: {what}"


def _text(table: dict, key: str, where: str, *, required: bool = True) -> str | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ChecklistError(f"{where}: '{key}' must be non-empty text")
    return value.strip()


def _when(raw: Any, where: str) -> When:
    if raw is None:
        return When()
    if not isinstance(raw, dict) or set(raw) - {"sectors", "features"}:
        raise ChecklistError(f"{where}: 'when' takes only 'sectors' and 'features'")
    out = {}
    for key, known in (("sectors", SECTORS), ("features", FEATURES)):
        values = raw.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ChecklistError(f"{where}: 'when.{key}' must be a list of codes")
        unknown = sorted(set(values) - known)
        if unknown:
            raise ChecklistError(f"{where}: unknown {key}: {', '.join(unknown)}")
        out[key] = frozenset(values)
    return When(**out)


def parse(data: dict, path: Path) -> Checklists:
    effective = data.get("effective")
    if not isinstance(effective, date):
        raise ChecklistError(_where(path, "'effective' must be a date (YYYY-MM-DD)"))
    groups: dict[str, Group] = {}
    for i, raw in enumerate(data.get("groups") or []):
        where = _where(path, f"groups[{i}]")
        code = _text(raw, "code", where)
        if code in groups:
            raise ChecklistError(f"{where}: duplicate group code {code}")
        groups[code] = Group(code, _text(raw, "name", where), _when(raw.get("when"), where))
    items: list[Item] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("items") or []):
        where = _where(path, f"items[{i}]")
        unknown = set(raw) - {"code", "group", "text", "basis", "major_hazard_clause",
                              "violation_code", "violation", "when"}
        if unknown:
            raise ChecklistError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        code = _text(raw, "code", where)
        if code in seen or len(code) > 20:
            raise ChecklistError(f"{where}: item code {code} is repeated or too long")
        seen.add(code)
        group = groups.get(_text(raw, "group", where))
        if group is None:
            raise ChecklistError(f"{where}: group {raw.get('group')} is not defined")
        items.append(Item(code=code, group=group, text=_text(raw, "text", where),
                          basis=_text(raw, "basis", where),
                          violation_code=_text(raw, "violation_code", where),
                          violation=_text(raw, "violation", where),
                          major_hazard_clause=_text(raw, "major_hazard_clause", where,
                                                    required=False),
                          when=_when(raw.get("when"), where)))
    if not items:
        raise ChecklistError(_where(path, "no items"))
    return Checklists(name=_text(data, "name", path.name),
                      version=_text(data, "version", path.name), effective=effective,
                      groups=tuple(groups.values()), items=tuple(items))


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ChecklistError(f"{path}: {err}") from err


@cache
def _load(path: Path) -> Checklists:
    return parse(_read(path), path)


def load(path: str | Path | None = None) -> Checklists:
    """The checklists in force (the bureau's override if there is one); cached per path."""
    from enforcement.core.rulefiles import rule_file

    return _load(Path(path) if path is not None else rule_file(CHECKLISTS_FILE))


@cache
def _load_rules(path: Path) -> InspectionRules:
    data = _read(path)
    days = data.get("rectification") or {}
    values = []
    for key in ("general_days", "major_days"):
        value = days.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
            raise ChecklistError(_where(path, f"rectification.{key} must be 0..365 days"))
        values.append(value)
    return InspectionRules(_text(data, "version", path.name), *values)


def rules(path: str | Path | None = None) -> InspectionRules:
    from enforcement.core.rulefiles import rule_file

    return _load_rules(Path(path) if path is not None else rule_file(RULES_FILE))

"""The rule tables the registry runs on, loaded once per app and validated at start-up:
the risk ruleset, the industry → sector map and the county's townships. A bureau overrides any
of them with a file in ``instance/rules/``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from enforcement.core.rulefiles import rule_file
from enforcement.enterprises import rules, sectors

DATA = Path(__file__).parent / "data"


class TownshipsError(ValueError):
    pass


@dataclass(frozen=True)
class Townships:
    version: str
    region_code: str
    region_name: str
    names: tuple[str, ...]

    def __contains__(self, name: object) -> bool:
        return name in self.names


def load_townships(instance_path: str | None = None) -> Townships:
    path = rule_file(DATA / "townships.toml", instance_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        names = tuple(str(n).strip() for n in data["townships"])
        if not names or len(set(names)) != len(names) or any(not n for n in names):
            raise TownshipsError("townships must be a non-empty list of distinct names")
        return Townships(str(data["version"]), str(data.get("region_code", "")),
                         str(data.get("region_name", "")), names)
    except (KeyError, TypeError, tomllib.TOMLDecodeError, TownshipsError) as exc:
        raise TownshipsError(f"{path.name}: {exc}") from exc


@dataclass(frozen=True)
class Tables:
    ruleset: rules.Ruleset
    sectors: sectors.SectorMap
    townships: Townships


def install(app: Flask) -> None:
    """Load and validate the tables; a bad file stops the app with the file and the problem."""
    with app.app_context():
        app.extensions["registry_tables"] = Tables(
            ruleset=rules.load_ruleset(), sectors=sectors.load(),
            townships=load_townships(app.instance_path))


def tables() -> Tables:
    return current_app.extensions["registry_tables"]

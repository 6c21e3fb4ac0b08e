"""The document kinds registry (``data/kinds.toml``; a bureau overrides it with
``instance/rules/kinds.toml``). Loading checks every kind's template against the builders'
sample data, so a template that uses a field the data lacks stops the app, naming the field."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from enforcement.core.rulefiles import rule_file
from enforcement.documents import render
from enforcement.documents.builders import SAMPLES

DEFAULT = Path(__file__).parent / "data" / "kinds.toml"
SUBJECTS = ("case", "inspection", "plan")
STEPS = frozenset({"inspection.completed", "inspection.reviewed", "case.filing_review",
                   "case.interviewed", "case.proposal_approved", "case.decided",
                   "case.executed", "plan.approved"})


class KindsError(ValueError):
    """The kinds file or a template is wrong; the message names the file, kind and field."""


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    number_code: str
    template: str
    subject: str
    step: str
    page_style: str
    template_sha: str

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "number_code": self.number_code,
                "subject": self.subject, "step": self.step, "page_style": self.page_style}


@dataclass(frozen=True)
class Registry:
    name: str
    version: str
    kinds: dict[str, Kind]

    def get(self, code: str) -> Kind | None:
        return self.kinds.get(code)

    def template_version(self, kind: Kind) -> str:
        return f"{kind.template}@{self.version}:{kind.template_sha}"


_USES = re.compile(rb'{%-?\s*(?:extends|import|from|include)\s+"([^"]+)"')


def _sha(template: str) -> str:
    """The template's version: a hash of it and of every template it extends, imports or
    includes (each once, in the order they are first named)."""
    digest = hashlib.sha256()
    seen: set[str] = set()
    pending = [template]
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        path = render.TEMPLATES / name
        if not path.is_file():
            raise KindsError(f"template {name} not found in {render.TEMPLATES}")
        text = path.read_bytes()
        digest.update(text)
        pending.extend(found.decode() for found in _USES.findall(text))
    return digest.hexdigest()[:12]


def parse(data: dict, path: Path, *, check: bool = True) -> Registry:
    kinds: dict[str, Kind] = {}
    for i, raw in enumerate(data.get("kinds") or []):
        where = f"{path.name}: kinds[{i}]"
        unknown = set(raw) - {"code", "name", "number_code", "template", "subject", "step",
                              "page_style"}
        if unknown:
            raise KindsError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        for key in ("code", "name", "number_code", "template", "subject", "step"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise KindsError(f"{where}: '{key}' must be non-empty text")
        code = raw["code"]
        if code in kinds:
            raise KindsError(f"{where}: duplicate kind {code}")
        if raw["subject"] not in SUBJECTS:
            raise KindsError(f"{where} ({code}): subject must be one of {', '.join(SUBJECTS)}")
        if raw["step"] not in STEPS:
            raise KindsError(f"{where} ({code}): unknown step {raw['step']}")
        if len(raw["number_code"]) > 16:
            raise KindsError(f"{where} ({code}): number_code longer than 16 characters")
        style = raw.get("page_style", "form")
        if style not in render.PAGE_STYLES:
            raise KindsError(f"{where} ({code}): page_style must be form or gbt9704")
        try:
            sha = _sha(raw["template"])
        except KindsError as err:
            raise KindsError(f"{where} ({code}): {err}") from None
        if check:
            try:
                render.check_template(raw["template"], dict(SAMPLES[raw["subject"]]))
            except render.TemplateDataError as err:
                raise KindsError(f"{where} ({code}): {err}") from None
        kinds[code] = Kind(code, raw["name"], raw["number_code"], raw["template"],
                           raw["subject"], raw["step"], style, sha)
    if not kinds:
        raise KindsError(f"{path.name}: no kinds")
    return Registry(str(data.get("name", "")), str(data.get("version", "")), kinds)


@cache
def _load(path: Path, mtime: float, check: bool) -> Registry:
    with path.open("rb") as fh:
        return parse(tomllib.load(fh), path, check=check)


def load(path: Path | None = None, *, check: bool = True) -> Registry:
    path = path or rule_file(DEFAULT)
    return _load(path, path.stat().st_mtime, check)


def registry() -> Registry:
    return load(check=False) if _checked else load()


_checked = False


def install() -> Registry:
    """Load and check every template (at start-up)."""
    global _checked
    reg = load()
    _checked = True
    return reg

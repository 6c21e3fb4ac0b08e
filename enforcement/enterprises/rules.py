"""分类分级 — the risk-classification ruleset and its engine.

安全生产法 第六十二条 asks the bureau to supervise by category and grade (分类分级监督管理); the
project's classes, colours and default factors are DOMAIN Part 1 "Risk classes". The rules are data
(``data/risk_rules.toml``, or ``<instance>/rules/risk_rules.toml`` when a bureau replaces them):
the loader validates a file completely and compiles every condition once into closures, so that
:meth:`Ruleset.evaluate` only calls functions — it evaluates well over 100,000 enterprises a second.

Every factor of every class is evaluated; the class is the most severe one with a fired factor
(else the least severe class), and every fired factor is recorded with a sentence giving the values.
"""

from __future__ import annotations

import difflib
import re
import string
import tomllib
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from types import MappingProxyType, UnionType
from typing import Any, NamedTuple

DEFAULT_FILE = Path(__file__).with_name("data") / "risk_rules.toml"
OVERRIDE_NAME = Path("rules") / "risk_rules.toml"   # under the app's instance folder

CLASS_KEYS = ("A", "B", "C", "D")
LEVELS = ("major", "high", "moderate", "low")
COLORS = ("red", "orange", "yellow", "blue")
SECTOR_TEXT = {
    "metallurgy": "冶金", "nonferrous": "有色", "building_materials": "建材",
    "machinery": "机械", "light_industry": "轻工", "textile": "纺织", "tobacco": "烟草",
    "commerce": "商贸", "hazardous_chemicals": "危险化学品", "fireworks": "烟花爆竹",
    "non_coal_mine": "非煤矿山", "coal_mine": "煤矿", "other": "其他",
}
GRADE_TEXT = {"1": "一级", "2": "二级", "3": "三级", None: "未定级"}
CREDIT_TEXT = {"normal": "正常", "serious_dishonest": "严重失信"}
HAZARD_LEVEL_TEXT = {1: "一级", 2: "二级", 3: "三级", 4: "四级", None: "无"}
SPECIAL_RISK_TEXT = {
    "dust_explosion": "粉尘涉爆", "metal_dust": "金属粉尘", "ammonia_refrigeration": "涉氨制冷",
    "confined_space": "有限空间", "confined_space_toxic": "有毒有害有限空间",
    "metal_smelting": "金属冶炼", "hazardous_chemicals_use": "危化品使用",
}


@dataclass(frozen=True, slots=True)
class EnterpriseFacts:
    """What the rules look at: the enterprise's features and its record over the last 12 months."""

    sector: str                          # one of SECTOR_TEXT
    employees: int | None
    standardization_grade: str | None    # "1" | "2" | "3" | None (未定级)
    credit_status: str                   # "normal" | "serious_dishonest"
    dust_explosion: bool
    metal_dust: bool
    dust_workers: int | None
    ammonia_refrigeration: bool
    ammonia_tonnes: float | None
    confined_space: bool
    confined_space_toxic: bool
    metal_smelting: bool
    major_hazard_level: int | None       # 1..4 (1 most severe) or None
    hazardous_chemicals_use: bool
    open_major_hazards: int = 0          # open 重大事故隐患 (inspections)
    deaths_12m: int = 0                  # sums over the accidents of the last 12 months
    serious_injuries_12m: int = 0
    accidents_12m: int = 0
    penalties_12m: int = 0               # penalty decisions (cases)


class Factor(NamedTuple):
    """One fired factor: why the enterprise is in (or near) a class."""

    code: str
    label: str
    detail: str
    risk_class: str


class Evaluation(NamedTuple):
    risk_class: str
    risk_level: str
    score: int
    factors: tuple[Factor, ...]
    ruleset: str                         # Ruleset.ident, recorded with the result


class RiskClass(NamedTuple):
    key: str                             # "A".."D", fixed whatever the ruleset calls the class
    level: str                           # the API's risk_level
    label: str
    color: str
    order: int                           # 1 = most severe
    base_score: int


class RulesetError(ValueError):
    """The ruleset file cannot be used; the message names the file and the problem."""


# -- facts: field kinds and display values ----------------------------------------------------

def _field_kinds() -> dict[str, tuple[type, bool]]:
    """field → (base type, nullable), from EnterpriseFacts' annotations."""
    hints = typing.get_type_hints(EnterpriseFacts)
    kinds = {}
    for f in fields(EnterpriseFacts):
        hint = hints[f.name]
        if isinstance(hint, UnionType):
            (base,) = [a for a in hint.__args__ if a is not type(None)]
            kinds[f.name] = (base, True)
        else:
            kinds[f.name] = (hint, False)
    return kinds


FIELD_KINDS = _field_kinds()
# string fields whose values are a closed set: a condition naming another value is a typo
ENUMS: dict[str, Iterable[Any]] = {
    "sector": SECTOR_TEXT, "standardization_grade": ("1", "2", "3"), "credit_status": CREDIT_TEXT,
}


def _show(value: Any) -> str:
    if value is None:
        return "未填报"
    if value is True or value is False:
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def _special_risks(facts: EnterpriseFacts) -> str:
    return "、".join(text for name, text in SPECIAL_RISK_TEXT.items()
                    if getattr(facts, name)) or "无"


DERIVED: dict[str, Callable[[EnterpriseFacts], str]] = {
    "sector_text": lambda f: SECTOR_TEXT.get(f.sector, f.sector),
    "grade_text": lambda f: GRADE_TEXT.get(f.standardization_grade, f.standardization_grade),
    "credit_text": lambda f: CREDIT_TEXT.get(f.credit_status, f.credit_status),
    "major_hazard_text": lambda f: HAZARD_LEVEL_TEXT.get(f.major_hazard_level,
                                                         _show(f.major_hazard_level)),
    "special_risks_text": _special_risks,
}


def _display_getter(name: str) -> Callable[[EnterpriseFacts], str]:
    if name in DERIVED:
        return DERIVED[name]
    get = _attr(name)
    return lambda f: _show(get(f))


def _attr(name: str) -> Callable[[EnterpriseFacts], Any]:
    # a slot descriptor's __get__ is the fastest attribute read there is
    return getattr(EnterpriseFacts, name).__get__


DISPLAY_FIELDS = tuple(FIELD_KINDS) + tuple(DERIVED)


def display_fields(facts: EnterpriseFacts) -> dict[str, str]:
    """Every placeholder a ``detail`` template may use, as people see it (None → 未填报, or
    未定级 for ``grade_text``)."""
    return {name: _display_getter(name)(facts) for name in DISPLAY_FIELDS}


_SAMPLES = (
    EnterpriseFacts("machinery", 120, "3", "normal", True, True, 12, True, 25.5, True, True,
                    True, 2, True, 1, 1, 3, 2, 1),
    EnterpriseFacts("commerce", None, None, "serious_dishonest", False, False, None, False, None,
                    False, False, False, None, False),
)


# -- conditions ---------------------------------------------------------------------------------

Test = Callable[[EnterpriseFacts], bool]
COMPARE_OPS = ("==", "!=", ">=", ">", "<=", "<")
OPS = (*COMPARE_OPS, "in", "not_in", "is_null", "not_null", "true", "false")


class _Problem(Exception):
    """A problem at a place in the file; load_ruleset adds the file name."""


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _check_value(name: str, op: str, value: Any) -> None:
    base, _ = FIELD_KINDS[name]
    if base is bool:
        ok = isinstance(value, bool)
    elif base in (int, float):
        ok = _is_number(value)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise _Problem(f"op '{op}' on '{name}' ({base.__name__}) cannot take {value!r}")
    if name in ENUMS and value not in ENUMS[name]:
        known = ", ".join(ENUMS[name])
        raise _Problem(f"{value!r} is not a known value of '{name}' (known: {known})")


def _compile_leaf(cond: dict[str, Any]) -> Test:
    unknown = set(cond) - {"field", "op", "value"}
    if unknown:
        raise _Problem(f"unknown key(s) {sorted(unknown)} in a condition")
    name, op = cond.get("field"), cond.get("op")
    if not isinstance(name, str) or name not in FIELD_KINDS:
        hint = difflib.get_close_matches(str(name), FIELD_KINDS, n=1)
        tail = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise _Problem(f"unknown field {name!r}{tail}")
    if op not in OPS:
        raise _Problem(f"unknown op {op!r} (known: {', '.join(OPS)})")
    base, nullable = FIELD_KINDS[name]
    get = _attr(name)
    if op in ("is_null", "not_null", "true", "false"):
        if "value" in cond:
            raise _Problem(f"op '{op}' takes no value")
        if op in ("is_null", "not_null") and not nullable:
            raise _Problem(f"op '{op}': field '{name}' is never null")
        if op in ("true", "false") and base is not bool:
            raise _Problem(f"op '{op}' needs a yes/no field; '{name}' is {base.__name__}")
        return {
            "is_null": lambda f: get(f) is None, "not_null": lambda f: get(f) is not None,
            "true": get, "false": lambda f: not get(f),
        }[op]
    if "value" not in cond:
        raise _Problem(f"op '{op}' needs a value")
    value = cond["value"]
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise _Problem(f"op '{op}' needs a non-empty list, got {value!r}")
        for item in value:
            _check_value(name, op, item)
        members = frozenset(value)
        if op == "in":
            return lambda f: get(f) in members
        return lambda f: get(f) not in members
    _check_value(name, op, value)
    if op in ("==", "!="):
        if op == "==":
            return lambda f: get(f) == value
        return lambda f: get(f) != value
    if not _is_number(value) or base not in (int, float):
        raise _Problem(f"op '{op}' needs a numeric field; '{name}' is {base.__name__}")
    # an unknown (None) number satisfies no comparison
    return {
        ">=": lambda f: (x := get(f)) is not None and x >= value,
        ">": lambda f: (x := get(f)) is not None and x > value,
        "<=": lambda f: (x := get(f)) is not None and x <= value,
        "<": lambda f: (x := get(f)) is not None and x < value,
    }[op]


def _compile(cond: Any, where: str) -> Test:
    """Compile a ``when`` table into one closure; problems name the place (``when.all[1]``)."""
    try:
        if not isinstance(cond, dict):
            raise _Problem(f"a condition must be a table, got {cond!r}")
        groups = [k for k in ("all", "any") if k in cond]
        if not groups:
            return _compile_leaf(cond)
        if len(cond) != 1:
            raise _Problem("a condition is either {field, op, value} or one of all/any")
        (kind,) = groups
        parts = cond[kind]
    except _Problem as exc:
        raise _Problem(f"{where}: {exc}") from None
    if not isinstance(parts, list) or not parts:
        raise _Problem(f"{where}.{kind}: needs a non-empty list of conditions")
    tests = tuple(_compile(p, f"{where}.{kind}[{i}]") for i, p in enumerate(parts))
    if len(tests) == 1:
        return tests[0]
    if kind == "all":
        def every(f: EnterpriseFacts) -> bool:
            for test in tests:
                if not test(f):
                    return False
            return True
        return every

    def some(f: EnterpriseFacts) -> bool:
        for test in tests:
            if test(f):
                return True
        return False
    return some


def _parse_detail(template: Any) -> tuple[str, tuple[str, ...]]:
    """A detail template → (positional pattern, placeholder names); placeholders are plain names."""
    if not isinstance(template, str) or not template.strip():
        raise _Problem("detail: needs a non-empty text")
    names, literal = [], []
    try:
        for text, name, spec, conversion in string.Formatter().parse(template):
            literal.append(text.replace("{", "{{").replace("}", "}}"))
            if name is None:
                continue
            if name not in DISPLAY_FIELDS:
                raise _Problem(f"detail: unknown placeholder {{{name}}}")
            if spec or conversion:
                raise _Problem(f"detail: write {{{name}}} without a format or conversion")
            names.append(name)
            literal.append("{}")
    except ValueError as exc:   # a lone brace
        raise _Problem(f"detail: {exc} (write {{{{ or }}}} for a literal brace)") from None
    return "".join(literal), tuple(names)


CACHE_SIZE = 1024


def _factor_maker(code: str, label: str, risk_class: str,
                  template: Any) -> Callable[[EnterpriseFacts], Factor]:
    """The function making this factor's :class:`Factor` for an enterprise it fired on.

    Factors are interned by the values their sentence shows: the same values give the same
    (immutable) object, so a batch of 200,000 results holds a few thousand factors, not a million
    — which spares the time and memory, and the garbage collector's walks over them.
    """
    pattern, names = _parse_detail(template)
    if not names:
        constant = Factor(code, label, pattern.format(), risk_class)
        return lambda f: constant
    # key on the raw values (cheap to read); turn them into text only on a miss
    keys = tuple(DERIVED.get(n) or _attr(n) for n in names)
    shows = tuple((lambda v: v) if n in DERIVED else _show for n in names)
    cache: dict[Any, Factor] = {}

    def miss(key: tuple) -> Factor:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        text = pattern.format(*[show(v) for show, v in zip(shows, key, strict=True)])
        factor = cache[key] = Factor(code, label, text, risk_class)
        return factor

    if len(keys) == 1:
        (one,) = keys
        return lambda f: cache.get(k := (one(f),)) or miss(k)
    return lambda f: cache.get(k := tuple([g(f) for g in keys])) or miss(k)


# -- the ruleset --------------------------------------------------------------------------------

class _Rule(NamedTuple):
    index: int                           # position of its class, 0 = most severe
    code: str
    label: str
    risk_class: str
    weight: int
    make: Callable[[EnterpriseFacts], Factor]


@dataclass(frozen=True, eq=False)
class Ruleset:
    """A validated, compiled ruleset. Evaluate with :meth:`evaluate`."""

    name: str
    version: str
    effective_from: date
    source: str
    path: Path
    classes: Mapping[str, RiskClass]     # in order, most severe first
    _rules: tuple[tuple[Test, _Rule], ...] = field(repr=False)
    _ordered: tuple[RiskClass, ...] = field(init=False, repr=False)
    _caps: tuple[int, ...] = field(init=False, repr=False)
    _no_factor: Evaluation = field(init=False, repr=False)
    _interned: dict[tuple[Factor, ...], Evaluation] = field(init=False, repr=False)

    @property
    def ident(self) -> str:
        return f"{self.name}@{self.version}"

    def label_of(self, cls: str) -> str:
        return self.classes[cls].label

    def level_of(self, cls: str) -> str:
        return self.classes[cls].level

    def color_of(self, cls: str) -> str:
        return self.classes[cls].color

    def class_of_level(self, level: str) -> str:
        """The class letter of an API ``risk_level``; KeyError if none has it."""
        for key, risk_class in self.classes.items():
            if risk_class.level == level:
                return key
        raise KeyError(level)

    @property
    def factor_codes(self) -> tuple[str, ...]:
        return tuple(rule.code for _, rule in self._rules)

    def __post_init__(self) -> None:
        ordered = tuple(self.classes.values())
        caps = [100] + [c.base_score - 1 for c in ordered[:-1]]
        evaluations = tuple(Evaluation(c.key, c.level, c.base_score, (), self.ident)
                            for c in ordered)
        object.__setattr__(self, "_ordered", ordered)
        object.__setattr__(self, "_caps", tuple(caps))
        object.__setattr__(self, "_no_factor", evaluations[-1])
        object.__setattr__(self, "_interned", {})

    def evaluate(self, facts: EnterpriseFacts) -> Evaluation:
        """Classify one enterprise (DOMAIN Part 1; 安全生产法 第六十二条).

        The class is the most severe one with a fired factor, else the least severe; the score is
        that class's base score plus the weights of its fired factors, kept below the base score
        of the next more severe class (100 for the top one). All fired factors are returned, by
        class and then in file order.
        """
        fired = [rule for test, rule in self._rules if test(facts)]
        if not fired:
            return self._no_factor
        factors = tuple([rule.make(facts) for rule in fired])
        # the factors decide the result, so equal results are shared (see _factor_maker)
        return self._interned.get(factors) or self._result(fired, factors)

    def _result(self, fired: list[_Rule], factors: tuple[Factor, ...]) -> Evaluation:
        top = fired[0].index
        risk_class = self._ordered[top]
        score = risk_class.base_score + sum(r.weight for r in fired if r.index == top)
        if len(self._interned) >= CACHE_SIZE * 4:
            self._interned.clear()
        evaluation = self._interned[factors] = Evaluation(
            risk_class.key, risk_class.level, min(score, self._caps[top]), factors, self.ident)
        return evaluation

    def evaluate_many(self, many: Iterable[EnterpriseFacts]) -> list[Evaluation]:
        evaluate = self.evaluate
        return [evaluate(facts) for facts in many]


# -- loading --------------------------------------------------------------------------------------

TOP_KEYS = {"name", "version", "effective_from", "source", "classes", "factors"}
CLASS_FIELDS = {"level", "label", "color", "order", "base_score"}
FACTOR_FIELDS = {"class", "code", "label", "when", "detail", "weight"}
CODE_RE = re.compile(r"[a-z][a-z0-9_]*\Z")


def _text(table: dict, key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "version":
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        if not required and value is None:
            return ""
        raise _Problem(f"{where}{key}: needs a non-empty text, got {value!r}")
    return value.strip()


def _unknown(table: dict, known: set[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise _Problem(f"{where}unknown key(s) {', '.join(map(repr, extra))}")


def _classes(raw: Any) -> dict[str, RiskClass]:
    if not isinstance(raw, dict):
        raise _Problem("[classes]: missing, needs [classes.A] … [classes.D]")
    for key in CLASS_KEYS:
        if key not in raw:
            raise _Problem(f"missing class '{key}' (needs [classes.{key}])")
    for key in raw:
        if key not in CLASS_KEYS:
            raise _Problem(f"unknown class '{key}' (classes are A, B, C, D)")
    classes = {}
    for position, key in enumerate(CLASS_KEYS, start=1):
        table, where = raw[key], f"classes.{key}: "
        if not isinstance(table, dict):
            raise _Problem(f"{where}needs a table")
        _unknown(table, CLASS_FIELDS, where)
        level, label, color = (_text(table, k, where) for k in ("level", "label", "color"))
        if level not in LEVELS:
            raise _Problem(f"{where}level {level!r} is not one of {', '.join(LEVELS)}")
        if color not in COLORS:
            raise _Problem(f"{where}color {color!r} is not one of {', '.join(COLORS)}")
        order = table.get("order")
        if order != position or isinstance(order, bool):
            # plans and lists key on the letter, so letter and severity must agree
            raise _Problem(f"{where}order must be {position} (A = 1 most severe … D = 4), "
                           f"got {order!r}")
        base = table.get("base_score", (4 - position) * 25)
        if not isinstance(base, int) or isinstance(base, bool) or not 0 <= base <= 100:
            raise _Problem(f"{where}base_score must be a whole number 0–100, got {base!r}")
        classes[key] = RiskClass(key, level, label, color, position, base)
    ordered = list(classes.values())
    for name in ("level", "color"):
        seen = [getattr(c, name) for c in ordered]
        if len(set(seen)) != len(seen):
            raise _Problem(f"classes: each class needs its own {name}, got {seen}")
    for more, less in zip(ordered, ordered[1:], strict=False):
        if less.base_score >= more.base_score:
            raise _Problem(f"classes.{less.key}: base_score {less.base_score} must be below "
                           f"classes.{more.key}'s {more.base_score}")
    return classes


def _factor(raw: Any, i: int, classes: dict[str, RiskClass], seen: set[str]) -> tuple[Test, _Rule]:
    code = raw.get("code") if isinstance(raw, dict) else None
    where = f"factors[{i}]" + (f" (code={code})" if isinstance(code, str) else "") + ": "
    try:
        if not isinstance(raw, dict):
            raise _Problem("needs a table ([[factors]])")
        _unknown(raw, FACTOR_FIELDS, "")
        if not isinstance(code, str) or not CODE_RE.match(code):
            raise _Problem(f"code: needs snake_case like 'dust_explosion', got {code!r}")
        if code in seen:
            raise _Problem(f"duplicate code '{code}'")
        cls = raw.get("class")
        if cls not in classes:
            raise _Problem(f"class: needs one of A, B, C, D, got {cls!r}")
        label = _text(raw, "label", "")
        weight = raw.get("weight", 0)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            raise _Problem(f"weight: needs a whole number 0–100, got {weight!r}")
        if "when" not in raw:
            raise _Problem("when: missing condition")
        test = _compile(raw["when"], "when")
        make = _factor_maker(code, label, cls, raw.get("detail"))
        for sample in _SAMPLES:
            test(sample)
            make(sample)
    except _Problem as exc:
        raise _Problem(f"{where}{exc}") from None
    except Exception as exc:   # whatever the sample facts trip over is the ruleset's fault
        raise _Problem(f"{where}fails on sample facts: {exc!r}") from None
    seen.add(code)
    index = list(classes).index(cls)
    return test, _Rule(index, code, label, cls, weight, make)


def _build(data: dict, path: Path) -> Ruleset:
    _unknown(data, TOP_KEYS, "")
    name, version = _text(data, "name", ""), _text(data, "version", "")
    if len(f"{name}@{version}") > 80:
        raise _Problem("name@version must be at most 80 characters (it is stored with results)")
    effective = data.get("effective_from")
    if not isinstance(effective, date) or hasattr(effective, "hour"):
        raise _Problem(f"effective_from: needs a date like 2026-01-01, got {effective!r}")
    source = _text(data, "source", "", required=False)
    classes = _classes(data.get("classes"))
    raw_factors = data.get("factors", [])
    if not isinstance(raw_factors, list):
        raise _Problem("factors: needs [[factors]] tables")
    seen: set[str] = set()
    compiled = [_factor(raw, i, classes, seen) for i, raw in enumerate(raw_factors)]
    compiled.sort(key=lambda pair: pair[1].index)   # stable: file order within a class
    return Ruleset(name, version, effective, source, path, MappingProxyType(classes),
                   tuple(compiled))


def ruleset_path() -> Path:
    """The bureau's file in the active app's instance folder if there is one, else the default."""
    from enforcement.core.rulefiles import rule_file

    return rule_file(DEFAULT_FILE)


def load_ruleset(path: str | Path | None = None) -> Ruleset:
    """Read, validate and compile a ruleset file (default: :func:`ruleset_path`).

    :raises RulesetError: naming the file and the problem, e.g.
        ``risk_rules.toml: factors[3] (code=dust): when: unknown field 'dust_explsion'``.
    """
    path = Path(path) if path is not None else ruleset_path()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
        return _build(data, path)
    except OSError as exc:
        raise RulesetError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesetError(f"{path}: not valid TOML: {exc}") from None
    except _Problem as exc:
        raise RulesetError(f"{path}: {exc}") from None

"""The deadlines of a penalty case (行政处罚案件期限), computed from the case's events.

Pure computation: no database, no Flask needed. The numbers live in ``data/deadlines.toml`` (a
bureau overrides it with ``<instance>/rules/deadlines.toml``), in rule sets with effective dates;
the set in force on the date of a deadline's start event applies. Days are counted by
``enforcement.core.workdays``, the only place that knows the holiday calendar: the day of the
event never counts; the "二日、三日、五日、七日" of the 行政处罚法 are working days (第八十五条);
other periods are calendar days ending on the next working day when the last day is a rest day;
months end on the same day of the later month or its last day.

The deadlines (kind — start event — default — basis):

* ``statement`` 陈述申辩 — notice served — 3 working days — 行政处罚法 第四十四、四十五条 (the day
  count is the old 办法's and the bureau's default; the law sets none).
* ``hearing_request`` 听证申请 — notice served, only with the hearing right — 5 working days —
  第六十四条第（一）项.
* ``hearing_notice`` 听证通知 — the hearing date, counted back — 7 working days —
  第六十四条第（二）项.
* ``decision`` 作出决定 — 立案 — 90 days plus recorded extensions — 第六十条.
* ``service`` 送达决定书 — the decision — 7 working days — 第六十一条、第八十五条.
* ``payment`` 缴纳罚款 — decision served — 15 days, or the approved deferred date — 第六十七条、
  第六十六条; late: :func:`surcharge` (第七十二条第一款第（一）项、第七十三条).
* ``reconsideration`` 行政复议 — decision served — 60 days — 行政复议法 (2023) 第二十条.
* ``litigation`` 行政诉讼 — decision served — 6 months — 行政诉讼法 第四十六条.
* ``court_enforcement`` 申请法院强制执行 — 3 months after the later of the two remedy deadlines
  (行政强制法 第五十三条); not before 10 working days after the 催告书 is served (第五十四条,
  第六十九条; the judgement is recorded in the data file).
* ``rectification`` 整改期限 — the dates ordered on inspection —
  安全生产法 第六十五条第一款第（三）项.

Status. A bureau deadline is "met" when its completing event happened on or before ``due_on``,
"missed" when it happened later or has not happened and ``today`` is past ``due_on``, else
"open". A party's window (statement, hearing request, reconsideration, litigation) is "met" when
the party acted within it, or when it lapsed unused: "met" means closed, nothing further is
awaited (``done_on`` is then None); it is "missed" when the party acted after its end, e.g. a
late hearing request. Payment and rectification are "met" when done in time, "missed" when done
late or not done past the due date. A closed case (``closed_on``) is judged as of the day it
was closed; a deadline still open then is "met" with ``done_on`` = ``closed_on`` (closing the
case is what ended it; nothing is awaited any more).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from enforcement.core import workdays
from enforcement.core.i18n import N_
from enforcement.core.workdays import LegalCalendar, Result

DATA = Path(__file__).resolve().parent / "data"
RULES_FILE = DATA / "deadlines.toml"

UNITS = ("workdays", "days", "months")
OWNERS = ("bureau", "party")
STATUSES = ("open", "met", "missed")
KINDS = ("statement", "hearing_request", "hearing_notice", "decision", "service", "payment",
         "reconsideration", "litigation", "court_enforcement", "rectification")

LABELS: Mapping[str, str] = MappingProxyType({
    "statement": N_("陈述申辩期限"),
    "hearing_request": N_("听证申请期限"),
    "hearing_notice": N_("听证通知期限"),
    "decision": N_("作出处罚决定期限"),
    "service": N_("送达处罚决定书期限"),
    "payment": N_("缴纳罚款期限"),
    "reconsideration": N_("申请行政复议期限"),
    "litigation": N_("提起行政诉讼期限"),
    "court_enforcement": N_("申请法院强制执行期限"),
    "rectification": N_("整改期限"),
})
RECTIFICATION_BASIS = "《安全生产法》第六十五条第一款第（三）项"

# The entries of a rule set that are periods, and the extra keys each one allows.
PERIODS: Mapping[str, frozenset[str]] = MappingProxyType({
    "statement": frozenset(), "hearing_request": frozenset(), "hearing_notice": frozenset(),
    "decision": frozenset(), "service": frozenset(), "payment": frozenset({"deferred_basis"}),
    "reconsideration": frozenset(), "litigation": frozenset(), "demand": frozenset(),
    "court_enforcement": frozenset(),
})
_PERIOD_KEYS = frozenset({"count", "unit", "basis", "note"})
_SURCHARGE_KEYS = frozenset({"percent_per_day", "cap_percent", "basis", "note"})
_RULESET_KEYS = frozenset({"name", "effective_from", "effective_to", "source", "surcharge",
                           *PERIODS})
_TOP_KEYS = frozenset({"name", "version", "source", "rulesets"})
_CENT = Decimal("0.01")
_ONE_DAY = timedelta(days=1)


class DeadlineRulesError(ValueError):
    """The deadline rules file is wrong (a deployment mistake): the message names the file and
    the entry, e.g. ``deadlines.toml: rulesets[0].statement.unit: …``."""


# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One period of a rule set: ``count`` ``unit`` (workdays, days or months)."""

    count: int
    unit: str
    basis: str
    note: str = ""
    deferred_basis: str = ""  # payment only: the basis of an approved deferral (第六十六条)

    def after(self, start: date, calendar: LegalCalendar | None = None) -> Result[date]:
        """The last day of the period that starts counting the day after ``start``."""
        return _ADD[self.unit](start, self.count, calendar)


@dataclass(frozen=True)
class SurchargeRule:
    """加处罚款: ``percent_per_day`` of the fine per late day, at most ``cap_percent`` of it."""

    percent_per_day: Decimal
    cap_percent: Decimal
    basis: str
    note: str = ""


@dataclass(frozen=True)
class RuleSet:
    """The periods in force from ``effective_from`` through ``effective_to`` (None: open)."""

    name: str
    effective_from: date
    effective_to: date | None
    periods: Mapping[str, Period]
    surcharge: SurchargeRule
    source: str = ""

    def covers(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class DeadlineRules:
    """The parsed rules file: rule sets sorted by ``effective_from``, contiguous."""

    version: str
    rulesets: tuple[RuleSet, ...]
    name: str = ""
    source: str = ""
    origin: str = "<memory>"  # the file it was read from

    def in_force(self, on: date) -> RuleSet:
        """The rule set in force on ``on``; before the first set, the first set (cases older
        than the encoded law are counted with the oldest rules rather than not at all)."""
        for ruleset in reversed(self.rulesets):
            if ruleset.effective_from <= on:
                return ruleset
        return self.rulesets[0]


def _fail(origin: str, entry: str, problem: str) -> DeadlineRulesError:
    return DeadlineRulesError(f"{origin}: {entry}: {problem}")


def _check_keys(data: Any, allowed: frozenset[str], origin: str, entry: str) -> Mapping:
    if not isinstance(data, Mapping):
        raise _fail(origin, entry, "needs a table")
    if unknown := sorted(set(data) - allowed):
        raise _fail(origin, entry, f"unknown keys {unknown} (allowed: {sorted(allowed)})")
    return data


def _text(data: Mapping, key: str, origin: str, entry: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(origin, f"{entry}.{key}", "needs a non-empty text")
    return value.strip()


def _date(data: Mapping, key: str, origin: str, entry: str, required: bool = True) -> date | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _fail(origin, f"{entry}.{key}", f"needs a date such as 2026-02-01, got {value!r}")
    return value


def _decimal(data: Mapping, key: str, origin: str, entry: str) -> Decimal:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(origin, f"{entry}.{key}", f"needs a number, got {value!r}")
    if value <= 0:
        raise _fail(origin, f"{entry}.{key}", f"must be positive, got {value}")
    return Decimal(str(value))


def _parse_period(kind: str, data: Any, origin: str, entry: str) -> Period:
    data = _check_keys(data, _PERIOD_KEYS | PERIODS[kind], origin, entry)
    count, unit = data.get("count"), data.get("unit")
    if isinstance(count, bool) or not isinstance(count, int):
        raise _fail(origin, f"{entry}.count", f"needs a whole number, got {count!r}")
    if count < 1:
        raise _fail(origin, f"{entry}.count", f"must be at least 1, got {count}")
    if unit not in UNITS:
        raise _fail(origin, f"{entry}.unit", f"must be one of {list(UNITS)}, got {unit!r}")
    deferred = _text(data, "deferred_basis", origin, entry) if PERIODS[kind] else ""
    return Period(count, unit, _text(data, "basis", origin, entry),
                  _text(data, "note", origin, entry, required=False), deferred)


def _parse_ruleset(i: int, data: Any, origin: str) -> RuleSet:
    entry = f"rulesets[{i}]"
    data = _check_keys(data, _RULESET_KEYS, origin, entry)
    name = _text(data, "name", origin, entry)
    entry = f"rulesets[{i}] ({name})"
    start = _date(data, "effective_from", origin, entry)
    end = _date(data, "effective_to", origin, entry, required=False)
    if end is not None and end < start:
        raise _fail(origin, f"{entry}.effective_to", f"{end} is before effective_from {start}")
    if missing := [k for k in (*PERIODS, "surcharge") if k not in data]:
        raise _fail(origin, entry, f"missing entries {missing} (every rule set is complete)")
    periods = {k: _parse_period(k, data[k], origin, f"{entry}.{k}") for k in PERIODS}
    where = f"{entry}.surcharge"
    s = _check_keys(data["surcharge"], _SURCHARGE_KEYS, origin, where)
    surcharge = SurchargeRule(_decimal(s, "percent_per_day", origin, where),
                              _decimal(s, "cap_percent", origin, where),
                              _text(s, "basis", origin, where),
                              _text(s, "note", origin, where, required=False))
    return RuleSet(name, start, end, MappingProxyType(periods), surcharge,
                   _text(data, "source", origin, entry, required=False))


def parse_rules(data: Mapping[str, Any], origin: str = "<memory>") -> DeadlineRules:
    """Check and parse a rules table (as read from TOML). Refuses unknown keys, counts below 1,
    units other than workdays/days/months, and rule sets that overlap, leave a gap, or end
    without a successor; the :class:`DeadlineRulesError` names ``origin`` and the entry."""
    data = _check_keys(data, _TOP_KEYS, origin, "top level")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise _fail(origin, "version", "needs a non-empty text such as \"2026.1\"")
    raw = data.get("rulesets")
    if not isinstance(raw, list) or not raw:
        raise _fail(origin, "rulesets", "needs at least one [[rulesets]] entry")
    parsed = [(_parse_ruleset(i, r, origin), i) for i, r in enumerate(raw)]
    parsed.sort(key=lambda pair: pair[0].effective_from)
    for (before, i), (after, j) in zip(parsed, parsed[1:], strict=False):
        where = f"rulesets[{j}] ({after.name})"
        if before.effective_to is None or before.effective_to >= after.effective_from:
            raise _fail(origin, where, f"its period overlaps rulesets[{i}] ({before.name})")
        if before.effective_to + _ONE_DAY != after.effective_from:
            raise _fail(origin, where, f"leaves a gap after rulesets[{i}] ({before.name}), "
                        f"which ends {before.effective_to}")
    last, i = parsed[-1]
    if last.effective_to is not None:
        raise _fail(origin, f"rulesets[{i}] ({last.name}).effective_to",
                    "the latest rule set must stay open (no effective_to)")
    return DeadlineRules(version.strip(), tuple(r for r, _ in parsed),
                         _text(data, "name", origin, "top level", required=False),
                         _text(data, "source", origin, "top level", required=False), origin)


@cache
def _load(path: Path) -> DeadlineRules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DeadlineRulesError(f"{path}: {exc}") from exc
    return parse_rules(data, str(path))


def load_rules(path: str | Path | None = None) -> DeadlineRules:
    """The deadline rules: ``path``, else the bureau's ``<instance>/rules/deadlines.toml`` when
    there is an app with one, else the packaged file; cached per path."""
    if path is None:
        from enforcement.core.rulefiles import rule_file  # imports Flask; only when needed

        path = rule_file(RULES_FILE)
    return _load(Path(path))


def rules_version() -> str:
    """The ``version`` of the rules file in use (record it with computed deadlines)."""
    return load_rules().version


# --- events and deadlines ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaseEvents:
    """What happened in a case, as dates (all optional). ``fine_imposed`` (default True) says
    whether the decision imposes a fine: without one there is no payment deadline and no
    enforcement of a fine."""

    filed_on: date | None = None
    decision_extensions: tuple[int, ...] = ()  # days added to the decision deadline
    notice_served_on: date | None = None  # 行政处罚告知书 served
    hearing_right: bool = False
    statement_on: date | None = None  # 陈述申辩 received/recorded
    rights_waived_on: date | None = None  # party waived statement (and hearing)
    hearing_requested_on: date | None = None
    hearing_notified_on: date | None = None
    hearing_on: date | None = None
    hearing_held_on: date | None = None
    decided_on: date | None = None
    decision_served_on: date | None = None
    # 公告送达: the day the bureau published the notice (the decision counts as served 60 days
    # later, ``decision_served_on``); the service deadline is met by the publication
    service_announced_on: date | None = None
    paid_on: date | None = None  # paid in full
    payment_due_override: date | None = None  # approved deferral / last instalment
    demand_served_on: date | None = None  # 催告书 served
    court_applied_on: date | None = None
    reconsideration_on: date | None = None  # the party applied for 行政复议
    litigation_on: date | None = None  # the party sued (行政诉讼)
    closed_on: date | None = None
    rectifications: tuple[tuple[str, date, date | None], ...] = ()  # (label, due_on, done_on)
    fine_imposed: bool = True


@dataclass(frozen=True)
class Deadline:
    """One deadline of a case. ``owner`` "bureau": the bureau must act by ``due_on``; "party":
    the party's window ends on ``due_on``. ``provisional``: a year without official holiday
    data was consulted. ``earliest_on``: the first day the act is allowed (court enforcement;
    for the hearing notice, the first day the hearing may be held after the notice given)."""

    kind: str
    label: str
    due_on: date
    basis: str
    owner: str
    status: str
    provisional: bool
    start_event: str
    start_on: date
    done_on: date | None
    earliest_on: date | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, dates as ISO text."""
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d is not None else None

        return {"kind": self.kind, "label": self.label, "due_on": iso(self.due_on),
                "basis": self.basis, "owner": self.owner, "status": self.status,
                "provisional": self.provisional, "start_event": self.start_event,
                "start_on": iso(self.start_on), "done_on": iso(self.done_on),
                "earliest_on": iso(self.earliest_on)}


@dataclass
class _Flag:
    """Collects whether any computation behind a deadline was provisional."""

    provisional: bool = False
    years: set[int] = field(default_factory=set)

    def take(self, result: Result) -> Any:
        self.provisional |= result.provisional
        self.years.update(result.years_without_data)
        return result.value

    def result(self, value: Any) -> Result:
        return Result(value, self.provisional, tuple(sorted(self.years)))


_ADD: Mapping[str, Callable[[date, int, LegalCalendar | None], Result[date]]] = MappingProxyType(
    {"workdays": workdays.add_workdays, "days": workdays.add_days,
     "months": workdays.add_months})


def _rules(rules: DeadlineRules | None) -> DeadlineRules:
    return rules if rules is not None else load_rules()


def _cal(calendar: LegalCalendar | None) -> LegalCalendar:
    return calendar if calendar is not None else workdays.get_calendar()


def _first(*days: date | None) -> date | None:
    present = [d for d in days if d is not None]
    return min(present) if present else None


# --- helpers for the hearing and the statement -------------------------------------------------


def statement_window_end(notice_served_on: date, calendar: LegalCalendar | None = None, *,
                         rules: DeadlineRules | None = None) -> Result[date]:
    """The last day the party may make a statement (陈述申辩; 行政处罚法 第四十四、四十五条):
    3 working days after the notice is served, by default."""
    period = _rules(rules).in_force(notice_served_on).periods["statement"]
    return period.after(notice_served_on, calendar)


def hearing_request_window_end(notice_served_on: date, calendar: LegalCalendar | None = None, *,
                               rules: DeadlineRules | None = None) -> Result[date]:
    """The last day the party may ask for a hearing (行政处罚法 第六十四条第（一）项): 5 working
    days after the notice is served, by default."""
    period = _rules(rules).in_force(notice_served_on).periods["hearing_request"]
    return period.after(notice_served_on, calendar)


def earliest_hearing(notified_on: date, calendar: LegalCalendar | None = None, *,
                     rules: DeadlineRules | None = None) -> Result[date]:
    """The first day a hearing may be held after notice given on ``notified_on``: the 7th
    working day after it (行政处罚法 第六十四条第（二）项、第八十五条). The rule set in force on
    ``notified_on`` applies (the hearing date is not known yet)."""
    period = _rules(rules).in_force(notified_on).periods["hearing_notice"]
    return period.after(notified_on, calendar)


def hearing_notice_ok(notified_on: date, hearing_on: date, calendar: LegalCalendar | None = None,
                      *, rules: DeadlineRules | None = None) -> Result[bool]:
    """Whether notice given on ``notified_on`` is early enough for a hearing on ``hearing_on``:
    at least 7 working days between them (行政处罚法 第六十四条第（二）项、第八十五条), i.e. the
    7th working day after the notice is on or before the hearing. The rule set in force on the
    hearing date applies."""
    period = _rules(rules).in_force(hearing_on).periods["hearing_notice"]
    enough = period.after(notified_on, calendar)
    return Result(enough.value <= hearing_on, enough.provisional, enough.years_without_data)


def latest_hearing_notice(hearing_on: date, calendar: LegalCalendar | None = None, *,
                          rules: DeadlineRules | None = None) -> Result[date]:
    """The last working day on which notice of a hearing on ``hearing_on`` is still early
    enough (the hearing date minus 7 working days; 第六十四条第（二）项). A notice given on a rest
    day after it can still be in time; :func:`hearing_notice_ok` is the test."""
    cal = _cal(calendar)
    period = _rules(rules).in_force(hearing_on).periods["hearing_notice"]
    flag = _Flag()
    day = hearing_on - _ONE_DAY
    while not (flag.take(workdays.is_workday(day, cal))
               and flag.take(period.after(day, cal)) <= hearing_on):
        day -= _ONE_DAY
    return flag.result(day)


# --- the surcharge ----------------------------------------------------------------------------


def surcharge(fine: Decimal, due_on: date, on: date, paused: Iterable[tuple[date, date]] = (),
              *, rules: DeadlineRules | None = None) -> Decimal:
    """加处罚款 owed on ``on`` for a fine due on ``due_on`` (行政处罚法 第七十二条第一款第（一）项):
    3 % of the fine for each day from the day after ``due_on`` through ``on``, never more than
    the fine. Days inside a ``paused`` window (first, last; both inclusive) — a 行政复议 or
    行政诉讼 under way — are not counted (第七十三条). Calendar days. Rounded to the cent
    (half up); 0 when not late. The rule set in force on the first late day applies."""
    if isinstance(fine, bool) or not isinstance(fine, Decimal | int):
        raise ValueError(f"fine must be a Decimal, not {type(fine).__name__}: {fine!r}")
    fine = Decimal(fine)
    if not fine.is_finite() or fine < 0:
        raise ValueError(f"fine must be a non-negative amount, got {fine}")
    for d, name in ((due_on, "due_on"), (on, "on")):
        if not isinstance(d, date) or isinstance(d, datetime):
            raise ValueError(f"{name} must be a datetime.date, got {d!r}")
    windows = []
    for window in paused:
        first, last = window
        if first > last:
            raise ValueError(f"paused window {first}..{last} ends before it starts")
        windows.append((max(first, due_on + _ONE_DAY), min(last, on)))
    if on <= due_on:
        return Decimal("0.00")
    days = (on - due_on).days
    covered = sorted(w for w in windows if w[0] <= w[1])
    end: date | None = None
    for first, last in covered:  # count each paused day once, even if windows overlap
        if end is not None:
            first = max(first, end + _ONE_DAY)
        if first <= last:
            days -= (last - first).days + 1
        end = last if end is None else max(end, last)
    rule = _rules(rules).in_force(due_on + _ONE_DAY).surcharge
    amount = min(fine * rule.percent_per_day * days / 100, fine * rule.cap_percent / 100)
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


# --- compute ----------------------------------------------------------------------------------


def _bureau_status(done: date | None, due: date, as_of: date) -> str:
    if done is not None:
        return "met" if done <= due else "missed"
    return "missed" if as_of > due else "open"


def _party_status(acted: date | None, due: date, as_of: date) -> str:
    if acted is not None:
        return "met" if acted <= due else "missed"
    return "met" if as_of > due else "open"


class _Builder:
    def __init__(self, events: CaseEvents, today: date, calendar: LegalCalendar,
                 rules: DeadlineRules) -> None:
        self.events, self.calendar, self.rules = events, calendar, rules
        self.as_of = min(today, events.closed_on) if events.closed_on else today
        self.out: list[Deadline] = []

    def period(self, kind: str, start: date) -> Period:
        return self.rules.in_force(start).periods[kind]

    def add(self, kind: str, due: date, basis: str, owner: str, status: str, flag: _Flag,
            start_event: str, start_on: date, done_on: date | None,
            earliest_on: date | None = None, label: str | None = None) -> Deadline:
        if status == "open" and self.events.closed_on is not None:
            status, done_on = "met", self.events.closed_on
        deadline = Deadline(kind, label or LABELS[kind], due, basis, owner, status,
                            flag.provisional, start_event, start_on, done_on, earliest_on)
        self.out.append(deadline)
        return deadline

    def simple(self, kind: str, start_event: str, owner: str, done: date | None,
               party: bool = False, count_extra: int = 0) -> Deadline | None:
        start = getattr(self.events, start_event)
        if start is None:
            return None
        period, flag = self.period(kind, start), _Flag()
        if count_extra:
            period = replace(period, count=period.count + count_extra)
        due = flag.take(period.after(start, self.calendar))
        status = (_party_status if party else _bureau_status)(done, due, self.as_of)
        return self.add(kind, due, period.basis, owner, status, flag, start_event, start,
                        done)


def compute(events: CaseEvents, today: date, calendar: LegalCalendar | None = None, *,
            rules: DeadlineRules | None = None) -> list[Deadline]:
    """The case's deadlines whose start event has happened, sorted by due date then kind. See
    the module docstring for the law and the status rules; ``rules`` defaults to the rules file
    in use, ``calendar`` to the registered legal calendar."""
    _check_events(events)
    b = _Builder(events, today, _cal(calendar), _rules(rules))
    e = events
    b.simple("decision", "filed_on", "bureau", e.decided_on,
             count_extra=sum(e.decision_extensions))
    answered = _first(e.statement_on, e.rights_waived_on)
    b.simple("statement", "notice_served_on", "party", answered, party=True)
    if e.hearing_right:
        b.simple("hearing_request", "notice_served_on", "party",
                 _first(e.hearing_requested_on, e.rights_waived_on), party=True)
    if e.hearing_on is not None:
        _hearing_notice(b)
    b.simple("service", "decided_on", "bureau", e.service_announced_on or e.decision_served_on)
    payment = _payment(b) if e.fine_imposed else None
    b.simple("reconsideration", "decision_served_on", "party", e.reconsideration_on, party=True)
    b.simple("litigation", "decision_served_on", "party", e.litigation_on, party=True)
    _court_enforcement(b, payment)
    for label, due, done in e.rectifications:
        b.add("rectification", due, RECTIFICATION_BASIS, "party",
              _bureau_status(done, due, b.as_of), _Flag(), "rectification", due, done,
              label=label.strip() or None)
    return sorted(b.out, key=lambda d: (d.due_on, d.kind, d.label))


def _hearing_notice(b: _Builder) -> None:
    """Due: the last working day 7 working days before the hearing; met when the notice was in
    time (:func:`hearing_notice_ok`, which also accepts a notice on a later rest day)."""
    e, flag = b.events, _Flag()
    hearing_on = e.hearing_on
    assert hearing_on is not None
    due = flag.take(latest_hearing_notice(hearing_on, b.calendar, rules=b.rules))
    basis = b.period("hearing_notice", hearing_on).basis
    earliest, status = None, _bureau_status(None, due, b.as_of)
    if e.hearing_notified_on is not None:
        ok = flag.take(hearing_notice_ok(e.hearing_notified_on, hearing_on, b.calendar,
                                         rules=b.rules))
        status = "met" if ok else "missed"
        earliest = flag.take(earliest_hearing(e.hearing_notified_on, b.calendar, rules=b.rules))
    b.add("hearing_notice", due, basis, "bureau", status, flag, "hearing_on", hearing_on,
          e.hearing_notified_on, earliest)


def _payment(b: _Builder) -> Deadline | None:
    """15 days from service (第六十七条), or the approved deferred date (第六十六条)."""
    e = b.events
    served = e.decision_served_on
    if served is None:
        return None
    period, flag = b.period("payment", served), _Flag()
    if e.payment_due_override is not None:
        due, basis = e.payment_due_override, period.deferred_basis
    else:
        due, basis = flag.take(period.after(served, b.calendar)), period.basis
    return b.add("payment", due, basis, "party", _bureau_status(e.paid_on, due, b.as_of), flag,
                 "decision_served_on", served, e.paid_on)


def _court_enforcement(b: _Builder, payment: Deadline | None) -> None:
    """3 months after the later of the reconsideration and litigation deadlines (行政强制法
    第五十三条). Shown once enforcement is in view: a 催告书 was served, the court was applied
    to, or a fine is unpaid past its due date. Earliest application: the working day after
    both the remedy deadlines and the 10-working-day 催告 period (第五十四条) have ended; None
    until the 催告书 is served. A fine paid in full leaves nothing to enforce ("met", done_on
    = paid_on)."""
    e = b.events
    served = e.decision_served_on
    if served is None:
        return
    unpaid_late = payment is not None and e.paid_on is None and b.as_of > payment.due_on
    if e.demand_served_on is None and e.court_applied_on is None and not unpaid_late:
        return
    flag, cal = _Flag(), b.calendar
    lapse = max(flag.take(b.period(kind, served).after(served, cal))
                for kind in ("reconsideration", "litigation"))
    period = b.period("court_enforcement", served)
    due = flag.take(period.after(lapse, cal))
    earliest = None
    if e.demand_served_on is not None:
        demand_end = flag.take(b.period("demand", e.demand_served_on).after(e.demand_served_on,
                                                                            cal))
        earliest = max(flag.take(workdays.add_workdays(lapse, 1, cal)),
                       flag.take(workdays.add_workdays(demand_end, 1, cal)))
    if e.court_applied_on is not None:
        done, status = e.court_applied_on, _bureau_status(e.court_applied_on, due, b.as_of)
    elif e.fine_imposed and e.paid_on is not None:
        done, status = e.paid_on, "met"
    else:
        done, status = None, _bureau_status(None, due, b.as_of)
    b.add("court_enforcement", due, period.basis, "bureau", status, flag,
          "decision_served_on", served, done, earliest)


def _check_events(events: CaseEvents) -> None:
    for name in CaseEvents.__dataclass_fields__:
        value = getattr(events, name)
        if name.endswith("_on") and value is not None and (
                not isinstance(value, date) or isinstance(value, datetime)):
            raise ValueError(f"{name} must be a datetime.date, got {value!r}")
    for days in events.decision_extensions:
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"decision_extensions must be whole days >= 0, got {days!r}")
    for item in events.rectifications:
        if (not isinstance(item, tuple) or len(item) != 3 or not isinstance(item[0], str)
                or not isinstance(item[1], date) or isinstance(item[1], datetime)
                or not (item[2] is None or (isinstance(item[2], date)
                                            and not isinstance(item[2], datetime)))):
            raise ValueError(f"a rectification is (label, due_on, done_on | None): {item!r}")

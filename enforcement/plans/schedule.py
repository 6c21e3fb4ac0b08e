"""When, and by whom: months for the visits and two-officer teams (DOMAIN Part 1 "Plan").

* **Months.** Each month's share of the year's visits is proportional to its *available*
  working days: working days on the official calendar minus those inside the avoided holiday
  weeks (春节, 国庆节 — dates by holiday name from core.workdays; for a year without official
  data, from the rules file), widened by ``avoid_margin_days`` on each side. So February and
  October get fewer visits, and a month with no available day gets none ("where possible":
  a month only loses the days actually avoided).
* **Spacing.** An enterprise with v ≥ 2 visits gets months at least ``min(min_gap_months,
  12 // v)`` apart (A's two visits ≥ 4 months apart), choosing among all such patterns the one
  that fits the months' remaining room best. These are placed first, by enterprise id.
* **Township clusters.** Single visits are ordered by township (starting at a township chosen
  with the seed, so the same townships are not always first) and fill the months in order, so a
  month covers a few townships; within a month tasks are listed by township.
* **Teams.** Each visit gets ``team_size`` (≥ 2) officers with distinct certificate numbers
  (行政处罚法 第四十二条), never one with a declared relationship to the enterprise (回避):
  the least-loaded eligible officers, ties broken by ``random.Random(f"{seed}:teams")``, so
  workloads stay within one visit of each other unless 回避 forces otherwise.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from itertools import chain, combinations
from operator import add, itemgetter

import numpy as np

from enforcement.core import workdays
from enforcement.plans.inputs import AvoidRule, PlanOfficer, PlanRules

_DAY = timedelta(days=1)


def _is_workday(d: date, cal: workdays.LegalCalendar) -> bool:
    return workdays.is_workday(d, cal).value


def _official_span(year: int, rule: AvoidRule,
                   cal: workdays.LegalCalendar) -> tuple[date, date] | None:
    yc = cal.year_calendar(year)
    days = sorted(d for d, name in yc.holidays.items() if name == rule.holiday) if yc else []
    if not days:
        return None
    start, end = days[0], days[-1]
    while start > workdays.MIN_DATE and not _is_workday(start - _DAY, cal):
        start -= _DAY  # the weekend or merged holiday (中秋) joined to it
    while end < workdays.MAX_DATE and not _is_workday(end + _DAY, cal):
        end += _DAY
    return start, end


def _fallback_span(year: int, rule: AvoidRule) -> tuple[date, date] | None:
    anchor = rule.fallback_dates.get(year)
    if anchor is None and rule.fallback_month_day is not None:
        anchor = date(year, *rule.fallback_month_day)
    if anchor is None:
        return None
    first, last = rule.fallback_span
    return anchor + first * _DAY, anchor + last * _DAY


def avoided_periods(year: int, rules: PlanRules,
                    cal: workdays.LegalCalendar) -> tuple[list[dict], list[str]]:
    """The holiday weeks to avoid, with where their dates came from, and notes for the page."""
    periods, notes = [], []
    margin = rules.avoid_margin_days * _DAY
    for rule in rules.avoid:
        span, source = _official_span(year, rule, cal), "official"
        if span is None:
            span, source = _fallback_span(year, rule), "rules"
            if span is None:
                notes.append(f"{year} 年没有{rule.label}的日期（官方日历与规则文件均无），未避开")
                continue
            notes.append(f"{rule.label}日期取自规则文件（{span[0]}至{span[1]}），"
                         f"官方安排公布后请重新编制")
        periods.append({"holiday": rule.holiday, "label": rule.label, "start": span[0],
                        "end": span[1], "avoid_from": span[0] - margin,
                        "avoid_to": span[1] + margin, "source": source})
    return periods, notes


def month_table(year: int, periods: Sequence[dict],
                cal: workdays.LegalCalendar) -> dict[int, dict]:
    """Per month: working days, and those available (outside the avoided weeks)."""
    months = {m: {"workdays": 0, "available_workdays": 0} for m in range(1, 13)}
    d = date(year, 1, 1)
    while d.year == year:
        if _is_workday(d, cal):
            months[d.month]["workdays"] += 1
            if not any(p["avoid_from"] <= d <= p["avoid_to"] for p in periods):
                months[d.month]["available_workdays"] += 1
        d += _DAY
    return months


@cache
def _patterns(visits: int, gap: int) -> tuple[tuple[int, ...], ...]:
    """Month combinations for ``visits`` visits, consecutive months ≥ ``gap`` apart."""
    return tuple(p for p in combinations(range(1, 13), visits)
                 if all(b - a >= gap for a, b in zip(p, p[1:], strict=False)))


def _spread(pattern: tuple[int, ...]) -> int:
    return min(b - a for a, b in zip(pattern, pattern[1:], strict=False))


def _largest_remainder(total: int, shares: Sequence[float]) -> list[int]:
    whole = sum(shares)
    if total <= 0 or whole <= 0:
        return [0] * len(shares)
    raw = [total * s / whole for s in shares]
    counts = [int(r) for r in raw]
    by_fraction = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in by_fraction[:total - sum(counts)]:
        counts[i] += 1
    return counts


@cache
def _pattern_table(visits: int, gap: int) -> tuple[tuple[tuple[int, ...], ...],
                                                   tuple[itemgetter, ...], tuple[int, ...]]:
    """:func:`_patterns`, a getter per position (the rooms of all patterns' first months, of
    their second months, …) and each pattern's spread."""
    patterns = _patterns(visits, gap)
    return (patterns, tuple(itemgetter(*column) for column in zip(*patterns, strict=True)),
            tuple(_spread(p) for p in patterns))


def _best_pattern(visits: int, gap: int, room: list[float]) -> tuple[int, ...]:
    """``max(patterns, key=fit)`` with fit = (least room, total room, spread), as before, the
    same float arithmetic (rooms added left to right), all patterns at once."""
    patterns, getters, spreads = _pattern_table(visits, gap)
    if len(patterns) == 1:
        return patterns[0]
    columns = [get(room) for get in getters]
    lows = list(columns[0])
    for column in columns[1:]:
        lows = [low if low <= r else r for low, r in zip(lows, column, strict=True)]
    best = max(lows)
    if lows.count(best) == 1:
        return patterns[lows.index(best)]
    totals = columns[0]
    for column in columns[1:]:
        totals = map(add, totals, column)
    keys = list(zip(lows, totals, spreads, strict=True))
    return patterns[keys.index(max(keys))]


def assign_months(enterprise_ids: Sequence[int], townships: Sequence[str],
                  available: dict[int, int], min_gap: int, seed: int) -> list[int]:
    """The month of each visit (see the module docstring), given each visit's enterprise id and
    township."""
    total = len(enterprise_ids)
    if not total:
        return []
    weights = [available[m] for m in range(1, 13)]
    if not any(weights):
        weights = [1] * 12
    target = [0.0] + [total * w / sum(weights) for w in weights]
    load = [0] * 13
    room = [t - n for t, n in zip(target, load, strict=True)]  # kept equal to target − load
    months = np.zeros(total, dtype=np.int64)

    # the visits grouped by enterprise, in id order, each enterprise's in list order
    ids = np.fromiter(enterprise_ids, dtype=np.int64, count=total)
    order = np.argsort(ids, kind="stable")
    by_id = ids[order]
    starts = np.flatnonzero(np.concatenate(([True], by_id[1:] != by_id[:-1])))
    sizes = np.diff(np.append(starts, total))
    several = sizes > 1
    patterns = []
    for size in sizes[several].tolist():
        pattern = _best_pattern(size, min(min_gap, 12 // size), room)
        patterns.append(pattern)
        for month in pattern:
            load[month] += 1
            room[month] = target[month] - load[month]
    if patterns:
        months[order[np.repeat(several, sizes)]] = np.fromiter(chain.from_iterable(patterns),
                                                               dtype=np.int64)

    singles = order[starts[~several]]  # by enterprise id
    names = list(map(townships.__getitem__, singles.tolist()))
    ordered = sorted(set(names))
    if ordered:
        start = random.Random(f"{seed}:months").randrange(len(ordered))
        ordered = ordered[start:] + ordered[:start]
    position = {t: i for i, t in enumerate(ordered)}
    # by (township position, enterprise id): a stable sort of the id-ordered singles
    places = np.fromiter(map(position.__getitem__, names), dtype=np.int64, count=len(names))
    singles = singles[np.argsort(places, kind="stable")]
    quotas = _largest_remainder(len(singles), [max(0.0, target[m] - load[m])
                                               for m in range(1, 13)])
    i = 0
    for month, quota in enumerate(quotas, start=1):
        months[singles[i:i + quota]] = month
        i += quota
    return months.tolist()


def assign_teams(enterprise_ids: Sequence[int], officers: Sequence[PlanOfficer], team_size: int,
                 seed: int) -> tuple[list[tuple[int, ...]], dict[int, int]]:
    """Teams for the visits of ``enterprise_ids`` (one id per visit, in the visits' order), and
    each officer's number of visits.

    Input validation guarantees ``team_size`` eligible distinct certificates per enterprise.
    """
    rng = random.Random(f"{seed}:teams")
    draw_key = rng.random
    if (enterprise_ids and officers and team_size >= 1 and len(officers) % team_size == 0
            and not any(o.excluded_enterprise_ids for o in officers)
            and len({o.certificate_no for o in officers}) == len(officers)):
        return _plain_teams(len(enterprise_ids), officers, team_size, draw_key)
    pop, push = heapq.heappop, heapq.heappush
    ids = [o.id for o in officers]
    certificate = [o.certificate_no for o in officers]
    excluded = [o.excluded_enterprise_ids for o in officers]
    loads = [0] * len(officers)
    heap = [(0, draw_key(), i) for i in range(len(officers))]
    heapq.heapify(heap)
    # with no declared relationship and distinct certificates, the least-loaded officers are
    # always eligible: the loop below then never sets one aside
    plain = not any(excluded) and len(set(certificate)) == len(certificate)
    teams = []
    for eid in enterprise_ids:
        if plain:
            chosen = [pop(heap)[2] for _ in range(team_size)]
        else:
            chosen = []
            certificates: set[str] = set()
            aside = []
            while len(chosen) < team_size:
                item = pop(heap)
                i = item[2]
                if eid in excluded[i] or certificate[i] in certificates:
                    aside.append(item)
                    continue
                chosen.append(i)
                certificates.add(certificate[i])
            for item in aside:
                push(heap, item)
        for i in chosen:
            loads[i] += 1
            push(heap, (loads[i], draw_key(), i))
        if team_size == 2:
            first, second = ids[chosen[0]], ids[chosen[1]]
            teams.append((first, second) if first < second else (second, first))
        else:
            teams.append(tuple(sorted([ids[i] for i in chosen])))
    return teams, {o.id: loads[i] for i, o in enumerate(officers)}


def _plain_teams(count: int, officers: Sequence[PlanOfficer], team_size: int,
                 draw_key) -> tuple[list[tuple[int, ...]], dict[int, int]]:
    """:func:`assign_teams` without 回避 and with distinct certificates, when the officers
    divide into whole teams: the same teams, computed by rounds instead of with a heap.

    The heap pops (load, key, index) in order and pushes each popped officer back with load + 1
    and the next key. Every officer with load r is popped before any with load r + 1, and a
    round of n pops is n / team_size whole visits, so round r is the officers ordered by
    (the key each got when pushed with load r, index); pushes happen in pop order, so the
    keys are drawn in the order of the previous round."""
    n = len(officers)
    pops = count * team_size
    rounds = -(-pops // n)
    keys = np.array([draw_key() for _ in range(n * rounds)], dtype=np.float64)
    index = np.arange(n, dtype=np.int64)
    order = np.lexsort((index, keys[:n]))
    chosen = np.empty(rounds * n, dtype=np.int64)
    chosen[:n] = order
    for r in range(1, rounds):
        # officer order[t] of round r − 1 got the key keys[r·n + t] when pushed back
        round_keys = np.empty(n, dtype=np.float64)
        round_keys[order] = keys[r * n:(r + 1) * n]
        order = np.lexsort((index, round_keys))
        chosen[r * n:(r + 1) * n] = order
    chosen = chosen[:pops]
    ids = np.fromiter((o.id for o in officers), dtype=np.int64, count=n)
    members = np.sort(ids[chosen].reshape(count, team_size), axis=1)
    teams = list(map(tuple, members.tolist()))
    loads = np.bincount(chosen, minlength=n).tolist()
    return teams, {o.id: loads[i] for i, o in enumerate(officers)}

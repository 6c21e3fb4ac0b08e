"""Which enterprises are inspected, and why: mandatory visits, special campaigns, 双随机.

Order and interaction (DOMAIN Part 1 "Plan", §2.2 [DESIGN]; 安全生产法 第六十二条 分类分级):

1. **Random quota first set aside.** ``quota = ⌈random_ratio_min × inspections_possible⌉``
   (at most the size of the random pool) is kept for the 双随机 draw *even when the mandatory
   visits are many*: the ratio is a floor the leader chose, not a leftover.
2. **Mandatory visits** (each class's ``min_visits``; A before B, then by id) use the rest,
   ``inspections_possible − quota``. If they do not fit, *all of them are still planned* — the
   ones beyond capacity are marked ``covered=False`` and the plan's ``shortfall`` says how many
   inspections and officer-days are missing and for which enterprises. Nothing is dropped: the
   leader adds capacity (officers, fewer deductions, a smaller reserve or random ratio) or
   accepts the gap. So with a shortfall, tasks = inspections_possible + shortfall.
3. **Campaigns** (专项整治) take what capacity remains after 1 and 2, each up to its limit,
   riskier classes first and, within a class, in a seeded random order.
4. **双随机** draws ``quota`` plus whatever capacity is still left, from every enterprise below
   its yearly cap (C and D, and A/B that are below theirs), at most once each, weighted per
   class (C twice D): weighted sampling without replacement (Efraimidis–Spirakis: each member
   gets the key −ln(1−u)/w with u from ``random.Random(seed)`` in pool order; the smallest keys
   win, in key order). The pool, its order and the seed are published so anyone can re-run it.

Per-enterprise caps hold throughout (min_visits ≤ cap is checked when the rules load).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from enforcement.plans.inputs import Campaign, Checked, PlanEnterprise, PlanRules


@dataclass(slots=True)
class Visit:
    """One planned inspection before it gets a month and a team."""

    enterprise: PlanEnterprise
    kind: str  # key | campaign | random
    reason: str
    covered: bool = True


@dataclass(frozen=True, slots=True)
class Selection:
    visits: list[Visit]  # key (A then B), campaign, random (by id; drawn_ids: draw order)
    pool_ids: tuple[int, ...]
    drawn_ids: tuple[int, ...]
    allocation: dict
    shortfall: dict
    campaigns: tuple[dict, ...]


def draw(pool_ids: Sequence[int], weights: Sequence[float], k: int, seed: int) -> tuple[int, ...]:
    """The 双随机 draw: ``k`` distinct ids from ``pool_ids`` (in that order), with selection
    weights, reproducible from ``seed``. Returned in draw order."""
    rng = random.Random(seed)
    u = rng.random
    log = math.log
    keys = [-log(1.0 - u()) / w for w in weights]
    # = heapq.nsmallest(k, …): the k smallest keys, ties in pool order (a stable sort; numpy's
    # stable argsort orders the same floats the same way)
    order = np.argsort(np.array(keys, dtype=np.float64), kind="stable")
    winners = order[:max(0, min(k, len(keys)))].tolist()
    return tuple(pool_ids[i] for i in winners)


def random_reason(seed: int, risk_class: str, weight: float) -> str:
    return f"双随机抽取（种子 {seed}，{risk_class}类权重 {weight:g}）"


def _matches(e: PlanEnterprise, feature: str) -> bool:
    return e.sector == feature or bool(e.features.get(feature))


def _campaign(c: Campaign, ents: Sequence[PlanEnterprise], visits: dict[int, int],
              rules: PlanRules, rank: dict[str, int], seed: int,
              room: int) -> tuple[list[Visit], dict]:
    caps = {code: r.cap for code, r in rules.classes.items()}
    candidates = [e for e in ents if _matches(e, c.feature)
                  and visits.get(e.id, 0) < caps[e.risk_class]]
    rng = random.Random(f"{seed}:campaign:{c.code}")
    keys = {e.id: rng.random() for e in candidates}  # drawn in id order
    ordered = sorted(candidates, key=lambda e: (rank[e.risk_class], keys[e.id]))
    taken = ordered[:max(0, min(c.limit, room))]
    for e in taken:
        visits[e.id] = visits.get(e.id, 0) + 1
    report = {"code": c.code, "name": c.name, "feature": c.feature, "limit": c.limit,
              "candidates": len(candidates), "planned": len(taken)}
    return [Visit(e, "campaign", f"专项整治：{c.name}") for e in taken], report


def select(inputs: Checked, rules: PlanRules, possible: int) -> Selection:
    """Choose the year's visits for ``possible`` inspections (see the module docstring)."""
    rank = {code: i for i, code in enumerate(rules.classes)}
    ents = inputs.enterprises  # sorted by id
    visits: dict[int, int] = {}

    mandatory: list[Visit] = []
    reasons = {code: [f"{code}类企业年度最低检查 {r.min_visits} 次（第 {i + 1} 次）"
                      for i in range(r.min_visits)] for code, r in rules.classes.items()}
    for code, texts in reasons.items():  # the classes in rank order, by id within a class
        if not texts:
            continue
        for e in [e for e in ents if e.risk_class == code]:
            mandatory.extend([Visit(e, "key", text) for text in texts])
            visits[e.id] = len(texts)

    drawable = {code: r.cap for code, r in rules.classes.items() if r.random_weight > 0}

    def pool_of(ents: Sequence[PlanEnterprise]) -> list[PlanEnterprise]:
        """The enterprises that may still be drawn (their class is drawn, below its cap)."""
        get = visits.get
        return [e for e in ents if e.risk_class in drawable
                and get(e.id, 0) < drawable[e.risk_class]]

    pool_before = len(pool_of(ents))
    quota = min(math.ceil(Fraction(repr(inputs.random_ratio_min)) * possible), pool_before)
    for_mandatory = possible - quota
    covered = min(len(mandatory), for_mandatory)
    for v in mandatory[covered:]:
        v.covered = False
    room = for_mandatory - covered

    campaign_visits: list[Visit] = []
    reports = []
    for c in inputs.campaigns:
        added, report = _campaign(c, ents, visits, rules, rank, inputs.seed, room)
        room -= len(added)
        campaign_visits.extend(added)
        reports.append(report)

    pool = pool_of(ents)
    weights = [rules.classes[e.risk_class].random_weight for e in pool]
    pool_ids = tuple(e.id for e in pool)
    k = min(len(pool), quota + room)
    drawn = draw(pool_ids, weights, k, inputs.seed)
    by_id = {e.id: e for e in pool}
    why = {code: random_reason(inputs.seed, r.code, r.random_weight)
           for code, r in rules.classes.items()}
    random_visits = []
    for eid in sorted(drawn):  # by id, as the other visits: the enterprises in memory order
        e = by_id[eid]
        random_visits.append(Visit(e, "random", why[e.risk_class]))

    missing = len(mandatory) - covered
    officer_days = Fraction(repr(inputs.officer_days_per_inspection)) * missing
    shortfall = {
        "inspections": missing,
        "officer_days": int(officer_days) if officer_days.denominator == 1 else float(officer_days),
        "enterprise_ids": sorted({v.enterprise.id for v in mandatory[covered:]}),
    }
    allocation = {
        "inspections_possible": possible,
        "random_quota": quota,
        "mandatory": len(mandatory),
        "mandatory_covered": covered,
        "campaign": len(campaign_visits),
        "random": len(drawn),
        "random_pool": len(pool),
        "planned": len(mandatory) + len(campaign_visits) + len(drawn),
    }
    return Selection(mandatory + campaign_visits + random_visits, pool_ids, drawn, allocation,
                     shortfall, tuple(reports))

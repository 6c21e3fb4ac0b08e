"""裁量基准 — propose the tier and amount of a fine, and check the fine an officer chose.

The benchmark (``data/discretion.toml``; a bureau replaces it with
``instance/rules/discretion.toml``) follows 应急〔2024〕90号: per violation,
裁量阶次 | 适用条件 | 具体标准, each tier inside the statutory range of the catalogue
(``violations.toml``). 行政处罚法 第三十四条 lets the agency set such benchmarks and requires
them published; 应急管理部令第12号 requires like cases be treated alike.
"以上、以下、以内" include the endpoint (DOMAIN.md §5.1).

Circumstances (情节) and their legal effect:

- 从轻或者减轻 (行政处罚法 第三十二条): ``removed_harm``, ``coerced``, ``confessed``,
  ``meritorious``;
- 不予处罚 (第三十三条): ``no_fault`` → must not punish (第二款);
  ``no_harm`` + ``corrected_promptly`` → must not (第一款前段);
  ``first_violation`` + ``minor_harm`` + ``corrected_promptly`` → may not, 首违不罚
  (第一款后段); ``minor_harm`` + ``corrected_promptly`` is reported as possible, with the
  condition spelled out. Otherwise these circumstances select the milder tier;
- 从重: ``repeated``, ``refused_correction``, ``caused_accident``, ``obstructed``,
  ``major_hazard_present`` (裁量基准), ``emergency_violation`` (第四十九条);
- ``not_corrected`` (and ``refused_correction``) select the "逾期未改正/拒不改正" range
  where the article has one for the party; where it has none they count as 从重.

The proposed amount: the midpoint of the tier; the lower quarter point when 从轻
circumstances chose the tier; the upper quarter point when two or more 从重 circumstances
apply; rounded half-up to 100 yuan and kept inside the tier. The calculator never proposes
减轻 below the statutory minimum: that is the officer's decision, and :func:`check_fine` then
demands a written reason and 法制审核 (DOMAIN.md Part 1). Money is
:class:`~decimal.Decimal`, never float.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from enforcement.cases import violations as vio
from enforcement.cases.violations import Catalogue, FineRange, Violation, money_str
from enforcement.core import clock
from enforcement.core.i18n import N_

DEFAULT = vio.DATA / "discretion.toml"
PARTY_KINDS = ("unit", "individual")
PARTY_LABELS = {"unit": N_("单位"), "individual": N_("个人")}

MITIGATING, EXEMPTING = "mitigating", "exempting"
AGGRAVATING, ESCALATING = "aggravating", "escalating"
EFFECTS = {
    MITIGATING: N_("应当从轻或者减轻行政处罚"),
    EXEMPTING: N_("不予行政处罚的条件之一；条件不全的，作为从轻情节考虑"),
    AGGRAVATING: N_("从重处罚情节"),
    ESCALATING: N_("适用逾期未改正的罚款幅度"),
}
_LAW = "《中华人民共和国行政处罚法》"
_BENCH = N_("裁量基准（应急管理部令第12号、应急〔2024〕90号）")


@dataclass(frozen=True, slots=True)
class Circumstance:
    code: str
    label: str
    effect: str
    basis: str


_CIRCUMSTANCES = (
    Circumstance("removed_harm", N_("主动消除或者减轻违法行为危害后果"), MITIGATING,
                 N_("《中华人民共和国行政处罚法》第三十二条第（一）项")),
    Circumstance("coerced", N_("受他人胁迫或者诱骗实施违法行为"), MITIGATING,
                 N_("《中华人民共和国行政处罚法》第三十二条第（二）项")),
    Circumstance("confessed", N_("主动供述行政机关尚未掌握的违法行为"), MITIGATING,
                 N_("《中华人民共和国行政处罚法》第三十二条第（三）项")),
    Circumstance("meritorious", N_("配合行政机关查处违法行为有立功表现"), MITIGATING,
                 N_("《中华人民共和国行政处罚法》第三十二条第（四）项")),
    Circumstance("first_violation", N_("初次违法"), EXEMPTING,
                 N_("《中华人民共和国行政处罚法》第三十三条第一款")),
    Circumstance("minor_harm", N_("危害后果轻微"), EXEMPTING,
                 N_("《中华人民共和国行政处罚法》第三十三条第一款")),
    Circumstance("corrected_promptly", N_("及时改正"), EXEMPTING,
                 N_("《中华人民共和国行政处罚法》第三十三条第一款")),
    Circumstance("no_harm", N_("违法行为轻微且没有造成危害后果"), EXEMPTING,
                 N_("《中华人民共和国行政处罚法》第三十三条第一款")),
    Circumstance("no_fault", N_("有证据足以证明没有主观过错"), EXEMPTING,
                 N_("《中华人民共和国行政处罚法》第三十三条第二款")),
    Circumstance("repeated", N_("一年内因同一违法行为受过行政处罚"), AGGRAVATING, _BENCH),
    Circumstance("refused_correction", N_("拒不改正"), AGGRAVATING, _BENCH),
    Circumstance("caused_accident", N_("造成生产安全事故"), AGGRAVATING, _BENCH),
    Circumstance("obstructed", N_("拒绝、阻碍监督检查"), AGGRAVATING, _BENCH),
    Circumstance("major_hazard_present", N_("存在重大事故隐患"), AGGRAVATING, _BENCH),
    Circumstance("emergency_violation", N_("违反突发事件应对措施"), AGGRAVATING,
                 N_("《中华人民共和国行政处罚法》第四十九条")),
    Circumstance("not_corrected", N_("逾期未改正"), ESCALATING,
                 N_("《中华人民共和国安全生产法》相应罚则“逾期未改正的”规定")),
)
CIRCUMSTANCE_INFO: dict[str, Circumstance] = {c.code: c for c in _CIRCUMSTANCES}
CIRCUMSTANCES: dict[str, str] = {c.code: c.label for c in _CIRCUMSTANCES}
# "逾期未改正/拒不改正/拒不执行" select the escalated range of the article where it has one.
ESCALATION_TRIGGERS = ("not_corrected", "refused_correction")
CONFLICTS = (("first_violation", "repeated"), ("corrected_promptly", "not_corrected"),
             ("corrected_promptly", "refused_correction"), ("no_harm", "caused_accident"),
             ("no_harm", "minor_harm"))

TIERS = {"minor": N_("轻微"), "lighter": N_("较轻"), "general": N_("一般"),
         "heavier": N_("较重"), "severe": N_("严重")}
TIER_RANK = {code: rank for rank, code in enumerate(TIERS)}
CENT, HUNDRED = Decimal("0.01"), Decimal(100)
LOW, MID, HIGH = Decimal("0.25"), Decimal("0.5"), Decimal("0.75")


class DiscretionError(ValueError):
    """The discretion table is malformed or does not fit the catalogue; the message names the
    file and the entry."""


@dataclass(frozen=True, slots=True)
class Tier:
    code: str
    label: str
    conditions: str
    when: tuple[str, ...]
    escalated: bool
    unit: FineRange | None
    individual: FineRange | None

    @property
    def rank(self) -> int:
        return TIER_RANK[self.code]

    def range(self, party_kind: str) -> FineRange | None:
        return self.unit if party_kind == "unit" else self.individual


@dataclass(frozen=True, slots=True)
class Benchmark:
    violation_code: str
    effective_from: date
    effective_to: date | None  # last day in force, inclusive
    tiers: tuple[Tier, ...]
    note: str | None = None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def stage(self, escalated: bool) -> tuple[Tier, ...]:
        return tuple(t for t in self.tiers if t.escalated == escalated)

    def default_tier(self, escalated: bool) -> Tier | None:
        return next((t for t in self.stage(escalated) if not t.when), None)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """较大数额 (≥, 行政处罚法 第六十三条) and 简易程序 (≤, 第五十一条) amounts, per party kind."""

    large_amount_unit: Decimal
    large_amount_individual: Decimal
    summary_max_unit: Decimal
    summary_max_individual: Decimal

    def large_amount(self, party_kind: str, fine: Decimal) -> bool:
        _party(party_kind)
        limit = self.large_amount_unit if party_kind == "unit" else self.large_amount_individual
        return _as_money(fine) >= limit

    def summary_allowed(self, party_kind: str, fine: Decimal) -> bool:
        _party(party_kind)
        limit = self.summary_max_unit if party_kind == "unit" else self.summary_max_individual
        return _as_money(fine) <= limit


@dataclass(frozen=True, slots=True)
class DiscretionTable:
    name: str
    version: str
    thresholds: Thresholds
    benchmarks: tuple[Benchmark, ...]
    catalogue: Catalogue

    @property
    def ident(self) -> str:
        return f"{self.name}@{self.version}"

    def benchmark_for(self, violation_code: str, on: date) -> Benchmark | None:
        return next((b for b in self.benchmarks
                     if b.violation_code == violation_code and b.in_force(on)), None)


@dataclass(frozen=True, slots=True)
class Suggestion:
    violation_code: str
    party_kind: str
    legal_basis: str
    penalty_basis: str
    tier: str | None
    tier_label: str | None
    range_min: Decimal | None
    range_max: Decimal | None
    statutory_min: Decimal | None
    statutory_max: Decimal | None
    suggested: Decimal | None
    reasons: tuple[str, ...]
    requires_legal_review: bool
    no_penalty_possible: bool
    benchmark: str
    escalated: bool = False            # the 逾期未改正/拒不改正 range applies
    no_penalty_required: bool = False  # 第三十三条 says 不予行政处罚 ("must")

    def to_dict(self) -> dict[str, Any]:
        def pair(lo: Decimal | None, hi: Decimal | None) -> dict[str, str] | None:
            return None if lo is None or hi is None else {"min": money_str(lo),
                                                          "max": money_str(hi)}

        return {
            "violation_code": self.violation_code,
            "party_kind": self.party_kind,
            "legal_basis": self.legal_basis,
            "penalty_basis": self.penalty_basis,
            "tier": None if self.tier is None else {"code": self.tier, "label": self.tier_label},
            "range": pair(self.range_min, self.range_max),
            "statutory": pair(self.statutory_min, self.statutory_max),
            "suggested": None if self.suggested is None else money_str(self.suggested),
            "reasons": list(self.reasons),
            "requires_legal_review": self.requires_legal_review,
            "no_penalty_possible": self.no_penalty_possible,
            "benchmark": self.benchmark,
        }


@dataclass(frozen=True, slots=True)
class FineCheck:
    fine: Decimal
    within_tier: bool
    below_statutory_min: bool
    above_statutory_max: bool  # also: the law sets no fine here at all; the caller refuses
    requires_reason: bool
    requires_legal_review: bool
    messages: tuple[str, ...]


# ───────────────────────────── money and inputs ─────────────────────────────


def _as_money(value: Any) -> Decimal:
    """Yuan as Decimal with at most two decimals; floats are refused (money is exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("money must be a Decimal (or int/str), never float")
    try:
        amount = Decimal(value) if isinstance(value, int | str) else value
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {value!r}") from None
    if amount < 0 or amount != amount.quantize(CENT):
        raise ValueError(f"an amount must be ≥ 0 with at most two decimals: {value}")
    return amount.quantize(CENT)


def _party(party_kind: str) -> str:
    if party_kind not in PARTY_KINDS:
        raise ValueError(f"unknown party kind {party_kind!r} (unit or individual)")
    return party_kind


def _circumstances(values: Iterable[str]) -> tuple[str, ...]:
    """Known codes, deduplicated in input order; unknown or contradictory ones → ValueError."""
    if isinstance(values, str):
        values = [values]
    codes: list[str] = []
    unknown = []
    for value in values:
        if value not in CIRCUMSTANCE_INFO:
            unknown.append(str(value))
        elif value not in codes:
            codes.append(value)
    if unknown:
        raise ValueError(f"unknown circumstances: {', '.join(unknown)}")
    clashes = [f"{a}+{b}" for a, b in CONFLICTS if a in codes and b in codes]
    if clashes:
        raise ValueError(f"contradictory circumstances: {', '.join(clashes)}")
    return tuple(codes)


def _yuan(amount: Decimal) -> str:
    return f"{int(amount)}元" if amount == amount.to_integral_value() else f"{amount:.2f}元"


def _span(rng: FineRange) -> str:
    if rng.min == 0:
        return N_("{max}以下").format(max=_yuan(rng.max))
    return N_("{min}以上{max}以下").format(min=_yuan(rng.min), max=_yuan(rng.max))


# ───────────────────────────── the calculator ─────────────────────────────


def _exemption(circs: tuple[str, ...]) -> tuple[bool, bool, list[str]]:
    """(must not punish, may not punish, reasons) under 行政处罚法 第三十三条."""
    present = set(circs)
    if "no_fault" in present:
        return True, True, [N_("当事人有证据足以证明没有主观过错，依照《中华人民共和国行政处罚法》"
                               "第三十三条第二款不予行政处罚（法律、行政法规另有规定的，从其规定）。")]
    if {"no_harm", "corrected_promptly"} <= present:
        return True, True, [N_("违法行为轻微并及时改正，没有造成危害后果，依照《中华人民共和国行政"
                               "处罚法》第三十三条第一款不予行政处罚，并应当对当事人进行教育（同条"
                               "第三款）。")]
    if not {"minor_harm", "corrected_promptly"} <= present:
        return False, False, []
    if any(CIRCUMSTANCE_INFO[c].effect == AGGRAVATING for c in circs):
        return False, False, [N_("具有从重情节，不适用《中华人民共和国行政处罚法》第三十三条第一款"
                                 "不予行政处罚的规定。")]
    if "first_violation" in present:
        return False, True, [N_("初次违法且危害后果轻微并及时改正，依照《中华人民共和国行政处罚法》"
                                "第三十三条第一款可以不予行政处罚（首违不罚），不予处罚的应当对当事人"
                                "进行教育；以本地轻微违法行为不予处罚清单为准。")]
    return False, True, [N_("违法行为轻微并及时改正：没有造成危害后果的，依照《中华人民共和国行政"
                            "处罚法》第三十三条第一款应当不予行政处罚；已造成轻微危害后果的，仅初次"
                            "违法时可以不予行政处罚。")]


def _propose(rng: FineRange, position: Decimal) -> Decimal:
    raw = rng.min + (rng.max - rng.min) * position
    rounded = (raw / HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HUNDRED
    return min(max(rounded, rng.min), rng.max).quantize(CENT)


def suggest(violation_code: str, party_kind: str, circumstances: Iterable[str] = (),
            on: date | None = None, *, table: DiscretionTable | None = None) -> Suggestion:
    """Propose the 裁量阶次 and a fine for ``violation_code`` against ``party_kind`` on ``on``
    (default: today). Unknown code → KeyError; unknown or contradictory circumstances, or a party
    kind the provision does not punish → ValueError. ``table`` defaults to the table in force."""
    tab = table if table is not None else current()
    violation = tab.catalogue.get(violation_code)
    if violation is None:
        raise KeyError(violation_code)
    _party(party_kind)
    if party_kind not in violation.party_kinds:
        raise ValueError(f"{violation_code} does not punish party kind {party_kind!r}")
    circs = _circumstances(circumstances)
    return _suggest(tab, violation, party_kind, circs, on or clock.today())


def _suggest(tab: DiscretionTable, v: Violation, party: str, circs: tuple[str, ...],
             on: date) -> Suggestion:
    party_label = PARTY_LABELS[party]
    triggers = [c for c in circs if c in ESCALATION_TRIGGERS]
    escalated = bool(triggers) and v.statutory(party, True) is not None
    statutory = v.statutory(party, escalated)
    reasons: list[str] = []
    if statutory is not None:
        stage = N_("逾期未改正（拒不改正）的，") if escalated else ""
        reasons.append(N_("违反{violated}，依据{basis}，{stage}对{party}的法定罚款幅度为{span}。")
                       .format(violated=v.violated, basis=v.penalty_basis, stage=stage,
                               party=party_label, span=_span(statutory)))
    elif v.statutory(party, True) is not None:
        reasons.append(N_("违反{violated}，依据{basis}，对{party}仅在逾期未改正或者拒不改正时处以"
                          "罚款。").format(violated=v.violated, basis=v.penalty_basis,
                                          party=party_label))
    else:
        reasons.append(N_("违反{violated}，依据{basis}：{penalty}；本条对{party}不设固定罚款幅度，"
                          "不适用裁量阶次。").format(violated=v.violated, basis=v.penalty_basis,
                                                  penalty=v.penalty, party=party_label))
    for code in circs:
        info = CIRCUMSTANCE_INFO[code]
        effect = EFFECTS[info.effect]
        if code in triggers and not escalated:
            effect = N_("本条对该当事人未另设逾期未改正的罚款幅度，作为从重情节考虑")
        elif code == "no_fault":
            effect = N_("应当不予行政处罚")
        reasons.append(N_("具有“{label}”情节（{basis}）：{effect}。")
                       .format(label=info.label, basis=info.basis, effect=effect))
    must, may, exempt_reasons = _exemption(circs)
    reasons += exempt_reasons

    def result(tier: Tier | None = None, suggested: Decimal | None = None,
               review: bool = False) -> Suggestion:
        rng = tier.range(party) if tier is not None else None
        return Suggestion(
            violation_code=v.code, party_kind=party, legal_basis=v.violated,
            penalty_basis=v.penalty_basis, tier=tier.code if tier else None,
            tier_label=tier.label if tier else None, range_min=rng.min if rng else None,
            range_max=rng.max if rng else None,
            statutory_min=statutory.min if statutory else None,
            statutory_max=statutory.max if statutory else None, suggested=suggested,
            reasons=tuple(reasons), requires_legal_review=review, no_penalty_possible=may,
            benchmark=tab.ident, escalated=escalated, no_penalty_required=must)

    if must or statutory is None:
        return result()
    bench = tab.benchmark_for(v.code, on)
    if bench is None:
        reasons.append(N_("{on}没有有效的裁量基准，应当在法定幅度内裁量并书面说明理由。")
                       .format(on=on.isoformat()))
        return result()
    active = set(circs) - set(triggers if escalated else ())
    tier, position, movers = _choose(bench, escalated, active)
    rng = tier.range(party)
    if movers:
        reasons.append(N_("“{names}”情节决定阶次。").format(
            names="”“".join(CIRCUMSTANCE_INFO[c].label for c in circs if c in movers)))
    elif any(set(t.when) & active for t in bench.stage(escalated)):
        reasons.append(N_("同时具有从轻和从重情节，综合考量后适用默认阶次。"))
    reasons.append(N_("适用“{label}”阶次（适用条件：{conditions}），{party}罚款{span}。")
                   .format(label=tier.label, conditions=tier.conditions.rstrip("。"),
                           party=party_label, span=_span(rng)))
    suggested = _propose(rng, position)
    rule = {LOW: N_("具有从轻情节，取本阶次幅度的下四分之一处"),
            MID: N_("取本阶次幅度的中间值"),
            HIGH: N_("具有两项以上从重情节，取本阶次幅度的上四分之一处")}[position]
    reasons.append(N_("建议罚款{amount}（{rule}，按百元取整）。").format(amount=_yuan(suggested),
                                                                   rule=rule))
    if escalated and "停产停业" in v.penalty:
        reasons.append(N_("{basis}规定的责令停产停业整顿等处罚另行决定，不在本罚款裁量之内。")
                       .format(basis=v.penalty_basis))
    if statutory.min > 0 and any(CIRCUMSTANCE_INFO[c].effect == MITIGATING for c in circs):
        reasons.append(N_("具有《中华人民共和国行政处罚法》第三十二条规定的情节，可以依法减轻处罚；"
                          "在法定最低限额{min}以下处罚的，应当书面说明理由并经法制审核。")
                       .format(min=_yuan(statutory.min)))
    review = tab.thresholds.large_amount(party, suggested)
    if review:
        reasons.append(_large_amount_reason(tab, party))
    return result(tier, suggested, review)


def _choose(bench: Benchmark, escalated: bool,
            active: set[str]) -> tuple[Tier, Decimal, frozenset[str]]:
    """The tier, the position inside it, and the circumstances that moved it."""
    default = bench.default_tier(escalated)
    assert default is not None  # the loader demands one default tier per stage
    matched = [t for t in bench.stage(escalated) if set(t.when) & active]
    milder = [t for t in matched if t.rank < default.rank]
    harsher = [t for t in matched if t.rank > default.rank]
    if milder and harsher or not matched:
        return default, MID, frozenset()
    if harsher:
        tier = max(harsher, key=lambda t: t.rank)
        aggravating = {c for t in harsher for c in t.when} & active
        return tier, HIGH if len(aggravating) >= 2 else MID, frozenset(set(tier.when) & active)
    tier = min(milder, key=lambda t: t.rank)
    return tier, LOW, frozenset(set(tier.when) & active)


def _large_amount_reason(tab: DiscretionTable, party: str) -> str:
    limit = (tab.thresholds.large_amount_unit if party == "unit"
             else tab.thresholds.large_amount_individual)
    return N_("罚款达到较大数额（{party}{limit}以上），应当告知当事人要求听证的权利（《中华人民"
              "共和国行政处罚法》第六十三条），经法制审核（第五十八条）并由负责人集体讨论决定。").format(
        party=PARTY_LABELS[party], limit=_yuan(limit))


def check_fine(violation_code: str, party_kind: str, fine: Decimal,
               circumstances: Iterable[str] = (), on: date | None = None, *,
               table: DiscretionTable | None = None) -> FineCheck:
    """Check a chosen fine against the tier and the statutory range. Outside the tier or below
    the statutory minimum (减轻, 行政处罚法 第三十二条) → written reason and 法制审核; above the
    statutory maximum, or any fine where the law sets none → ``above_statutory_max`` (refuse)."""
    amount = _as_money(fine)
    circs = _circumstances(circumstances)
    tab = table if table is not None else current()
    s = suggest(violation_code, party_kind, circs, on, table=tab)
    violation = tab.catalogue.violations[violation_code]
    large = tab.thresholds.large_amount(party_kind, amount)
    messages: list[str] = []
    if large:
        messages.append(_large_amount_reason(tab, party_kind))
    if s.statutory_min is None or s.statutory_max is None:
        if not violation.has_fine and not s.no_penalty_required:
            messages.insert(0, N_("{basis}不设固定罚款幅度（按收入比例等计算），系统不校验金额，"
                                  "须经法制审核。").format(basis=violation.penalty_basis))
            return FineCheck(amount, False, False, False, False, True, tuple(messages))
        if amount == 0:
            return FineCheck(amount, True, False, False, False, False, ())
        text = (N_("依照《中华人民共和国行政处罚法》第三十三条不予行政处罚，不得处以罚款。")
                if s.no_penalty_required else
                N_("{basis}在此情形下对{party}未规定罚款，不得处以罚款。").format(
                    basis=violation.penalty_basis, party=PARTY_LABELS[party_kind]))
        return FineCheck(amount, False, False, True, True, True, (text, *messages))
    below, above = amount < s.statutory_min, amount > s.statutory_max
    within = s.range_min is not None and s.range_max is not None and (
        s.range_min <= amount <= s.range_max)
    if above:
        messages.insert(0, N_("罚款{fine}超过法定最高限额{max}（{basis}），不得作出。").format(
            fine=_yuan(amount), max=_yuan(s.statutory_max), basis=s.penalty_basis))
    elif below:
        text = N_("罚款{fine}低于法定最低限额{min}，属于减轻处罚，须有《中华人民共和国行政处罚法》"
                  "第三十二条规定的情节，书面说明理由并经法制审核。").format(
            fine=_yuan(amount), min=_yuan(s.statutory_min))
        if not any(CIRCUMSTANCE_INFO[c].effect == MITIGATING for c in circs):
            text += N_("尚未认定第三十二条规定的情节。")
        messages.insert(0, text)
    elif s.tier is None:
        messages.insert(0, N_("没有适用的裁量阶次，须书面说明裁量理由并经法制审核。"))
    elif not within:
        messages.insert(0, N_("罚款{fine}不在“{label}”阶次（{span}）内，须书面说明理由并经法制"
                              "审核。").format(fine=_yuan(amount), label=s.tier_label,
                                span=_span(FineRange(s.range_min, s.range_max))))
    return FineCheck(amount, within, below, above, not within, not within or large,
                     tuple(messages))


def large_amount(party_kind: str, fine: Decimal, *, table: DiscretionTable | None = None) -> bool:
    """较大数额罚款 (≥ the threshold; 以上 includes it): hearing right (行政处罚法 第六十三条),
    法制审核 (第五十八条) and collective discussion."""
    return (table or current()).thresholds.large_amount(party_kind, fine)


def summary_allowed(party_kind: str, fine: Decimal, *,
                    table: DiscretionTable | None = None) -> bool:
    """简易程序 (当场处罚) is allowed up to the threshold inclusive: 200 yuan for a person, 3000
    yuan for an organisation by default (行政处罚法 第五十一条)."""
    return (table or current()).thresholds.summary_allowed(party_kind, fine)


def benchmark_ident() -> str:
    return current().ident


# ───────────────────────────── loading ─────────────────────────────

_TOP_KEYS = {"name", "version", "source", "thresholds", "benchmarks"}
_BENCH_KEYS = {"violation_code", "effective_from", "effective_to", "note", "tiers"}
_TIER_KEYS = {"code", "label", "conditions", "when", "escalated", "unit_min", "unit_max",
              "individual_min", "individual_max"}
_THRESHOLD_KEYS = ("large_amount_unit", "large_amount_individual", "summary_max_unit",
                   "summary_max_individual")


def _text(raw: dict, key: str, where: str, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DiscretionError(f"{where}: '{key}' must be non-empty text")
    return value.strip()


def _date(raw: dict, key: str, where: str, *, required: bool = True) -> date | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise DiscretionError(f"{where}: '{key}' must be a date (YYYY-MM-DD)")
    return value


def _thresholds(raw: Any, where: str) -> Thresholds:
    if not isinstance(raw, dict) or set(raw) != set(_THRESHOLD_KEYS):
        raise DiscretionError(f"{where}: needs exactly {', '.join(_THRESHOLD_KEYS)}")
    try:
        values = {key: vio.money(raw[key], where, key) for key in _THRESHOLD_KEYS}
    except vio.CatalogueError as err:
        raise DiscretionError(str(err)) from None
    return Thresholds(**values)


def _tier(raw: Any, where: str, violation: Violation) -> Tier:
    if not isinstance(raw, dict) or raw.get("code") not in TIERS:
        raise DiscretionError(f"{where}: 'code' must be one of {', '.join(TIERS)}")
    where = f"{where} ({raw['code']})"
    unknown = set(raw) - _TIER_KEYS
    if unknown:
        raise DiscretionError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    when = raw.get("when", [])
    if not isinstance(when, list) or not all(isinstance(c, str) for c in when):
        raise DiscretionError(f"{where}: 'when' must be a list of circumstance codes")
    bad = sorted(set(when) - set(CIRCUMSTANCE_INFO))
    if bad:
        raise DiscretionError(f"{where}: unknown circumstances in 'when': {', '.join(bad)}")
    if "no_fault" in when:
        raise DiscretionError(f"{where}: no_fault always means no penalty (行政处罚法 第三十三条"
                              "第二款) and cannot select a tier")
    escalated = raw.get("escalated", False)
    if not isinstance(escalated, bool):
        raise DiscretionError(f"{where}: 'escalated' must be true or false")
    ranges: dict[str, FineRange | None] = {}
    for party in PARTY_KINDS:
        rng = vio.fine_range(raw, party, where, DiscretionError)
        statutory = violation.statutory(party, escalated)
        stage = "escalated " if escalated else ""
        if rng is not None and statutory is None:
            raise DiscretionError(f"{where}: the law sets no {stage}fine for the {party} "
                                  f"({violation.penalty_basis})")
        if rng is None and statutory is not None:
            raise DiscretionError(f"{where}: '{party}_min'/'{party}_max' missing (the {stage}"
                                  f"statutory range is {statutory.min}–{statutory.max})")
        if rng is not None and statutory is not None and not rng.within(statutory):
            raise DiscretionError(f"{where}: {party} range {rng.min}–{rng.max} lies outside the "
                                  f"{stage}statutory range {statutory.min}–{statutory.max}")
        ranges[party] = rng
    return Tier(code=raw["code"], label=_text(raw, "label", where),
                conditions=_text(raw, "conditions", where), when=tuple(dict.fromkeys(when)),
                escalated=escalated, **ranges)


def _check_stage(tiers: list[Tier], escalated: bool, violation: Violation, where: str) -> None:
    stage = [t for t in tiers if t.escalated == escalated]
    name = "escalated" if escalated else "base"
    has_fine = any(violation.statutory(p, escalated) for p in violation.party_kinds)
    if stage and not has_fine:
        raise DiscretionError(f"{where}: {name} tiers given but the law sets no {name} fine")
    if has_fine and not stage:
        raise DiscretionError(f"{where}: no tiers for the {name} statutory range")
    if stage and sum(1 for t in stage if not t.when) != 1:
        raise DiscretionError(f"{where}: the {name} tiers need exactly one default tier "
                              "(when = [])")
    for lower, upper in zip(stage, stage[1:], strict=False):
        if lower.rank >= upper.rank:
            raise DiscretionError(f"{where}: {name} tiers must rise ({lower.code} before "
                                  f"{upper.code}) and each code appear once")
        for party in PARTY_KINDS:
            a, b = lower.range(party), upper.range(party)
            if a and b and (a.min > b.min or a.max > b.max):
                raise DiscretionError(f"{where}: {name} tier {upper.code} is lower than "
                                      f"{lower.code} for the {party}")


def _benchmark(raw: Any, where: str, catalogue: Catalogue) -> Benchmark:
    if not isinstance(raw, dict):
        raise DiscretionError(f"{where}: must be a table")
    code = raw.get("violation_code")
    where = f"{where} ({code})"
    unknown = set(raw) - _BENCH_KEYS
    if unknown:
        raise DiscretionError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    violation = catalogue.get(code) if isinstance(code, str) else None
    if violation is None:
        raise DiscretionError(f"{where}: violation_code is not in the catalogue "
                              f"{catalogue.ident}")
    if not violation.has_fine:
        raise DiscretionError(f"{where}: the catalogue sets no fine range for {code}")
    start = _date(raw, "effective_from", where)
    end = _date(raw, "effective_to", where, required=False)
    if end is not None and end < start:
        raise DiscretionError(f"{where}: 'effective_to' is before 'effective_from'")
    raw_tiers = raw.get("tiers")
    if not isinstance(raw_tiers, list) or not raw_tiers:
        raise DiscretionError(f"{where}: no [[benchmarks.tiers]]")
    tiers = [_tier(t, f"{where}: tiers[{j}]", violation) for j, t in enumerate(raw_tiers)]
    for escalated in (False, True):
        _check_stage(tiers, escalated, violation, where)
    return Benchmark(code, start, end, tuple(tiers), _text(raw, "note", where, required=False))


def parse(data: dict, path: Path, catalogue: Catalogue) -> DiscretionTable:
    """Validate a parsed table against ``catalogue``; :class:`DiscretionError` names the file and
    the entry ("discretion.toml: benchmarks[3] (SCL99-2): tiers[1] (general): …")."""
    name = path.name
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise DiscretionError(f"{name}: unknown keys {', '.join(sorted(unknown))}")
    thresholds = _thresholds(data.get("thresholds"), f"{name}: thresholds")
    raw_list = data.get("benchmarks")
    if not isinstance(raw_list, list) or not raw_list:
        raise DiscretionError(f"{name}: no [[benchmarks]]")
    benchmarks: list[Benchmark] = []
    for i, raw in enumerate(raw_list):
        bench = _benchmark(raw, f"{name}: benchmarks[{i}]", catalogue)
        for other in benchmarks:
            if other.violation_code == bench.violation_code and _overlap(other, bench):
                raise DiscretionError(f"{name}: benchmarks[{i}] ({bench.violation_code}): its "
                                      "effective period overlaps an earlier entry")
        benchmarks.append(bench)
    return DiscretionTable(name=_text(data, "name", name), version=_text(data, "version", name),
                           thresholds=thresholds, benchmarks=tuple(benchmarks),
                           catalogue=catalogue)


def _overlap(a: Benchmark, b: Benchmark) -> bool:
    a_end, b_end = a.effective_to or date.max, b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def load(path: Path | None = None, catalogue: Catalogue | None = None) -> DiscretionTable:
    """Read and validate the table at ``path`` (default: the bureau's override, else the packaged
    file) against ``catalogue`` (default: the catalogue in force). Not cached."""
    from enforcement.core.rulefiles import rule_file

    path = Path(path) if path is not None else rule_file(DEFAULT)
    return parse(vio.read(path, DiscretionError), path,
                 catalogue if catalogue is not None else vio.catalogue())


@lru_cache(maxsize=8)
def _cached(path: Path, mtime_ns: int, catalogue_path: Path, catalogue_mtime_ns: int
            ) -> DiscretionTable:
    return parse(vio.read(path, DiscretionError), path, vio.catalogue())


def current() -> DiscretionTable:
    """The table in force, cached per file (and catalogue file) and modification time."""
    from enforcement.core.rulefiles import rule_file

    path, catalogue_path = rule_file(DEFAULT), vio.current_path()
    try:
        mtimes = path.stat().st_mtime_ns, catalogue_path.stat().st_mtime_ns
    except OSError as err:
        raise DiscretionError(f"{path}: {err}") from err
    return _cached(path, mtimes[0], catalogue_path, mtimes[1])

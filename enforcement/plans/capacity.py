"""工作日测算 — how many inspections the bureau can make in the year (DOMAIN §2.2).

::

    法定工作日/人    = working days of the year on the official calendar (core.workdays)
    总法定工作日      = 法定工作日/人 × 执法人员数
    监督检查工作日    = 总法定工作日 − 其他执法工作日 − 非执法工作日
    留有余地          = reserve_ratio × 监督检查工作日
    可检查次数        = ⌊(监督检查工作日 − 留有余地) ÷ 每次检查人·日⌋

Every step is kept so the plan page can print it, item by item, as county plans do. The
arithmetic is exact (decimal fractions of the inputs), so 0.1 × 1000 is 100 and never 99.99….
Basis: 安监总政法〔2017〕150号 (留有余地), 安全生产法 第六十二条.
"""

from __future__ import annotations

import math
from fractions import Fraction

from enforcement.core import workdays
from enforcement.plans.inputs import Checked, PlanInputError


def _exact(value: float) -> Fraction:
    return Fraction(repr(float(value)))


def _out(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def compute(inputs: Checked, calendar: workdays.LegalCalendar | None = None) -> dict:
    """The capacity block of a plan (API field ``capacity``).

    :raises PlanInputError: the deductions exceed the total legal workdays.
    """
    legal = workdays.legal_workdays(inputs.year, calendar)
    officers = len(inputs.officers)
    total = legal.value * officers
    other = sum((_exact(v) for v in inputs.other_enforcement_days.values()), Fraction(0))
    non = sum((_exact(v) for v in inputs.non_enforcement_days.values()), Fraction(0))
    available = total - other - non
    if available < 0:
        message = (f"其他执法工作日（{_out(other)}）与非执法工作日（{_out(non)}）之和超过"
                   f"总法定工作日（{legal.value} × {officers} = {total}）")
        raise PlanInputError({"other_enforcement_days": [message],
                              "non_enforcement_days": [message]})
    reserve = _exact(inputs.reserve_ratio) * available
    possible = math.floor((available - reserve) / _exact(inputs.officer_days_per_inspection))
    return {
        "officers": officers,
        "legal_workdays_per_officer": legal.value,
        "total_workdays": total,
        "other_enforcement_days": _out(other),
        "non_enforcement_days": _out(non),
        "inspection_workdays": _out(available),
        "reserve": _out(reserve),
        "inspections_possible": possible,
        "provisional": legal.provisional,
        # the parameters of the last two steps, for printing
        "reserve_ratio": inputs.reserve_ratio,
        "officer_days_per_inspection": inputs.officer_days_per_inspection,
    }

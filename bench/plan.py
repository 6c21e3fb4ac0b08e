"""Annual plan engine speed and memory on synthetic data: a county (3,000 enterprises, 40
officers, 14 townships) and a province (200,000 enterprises, 2,000 officers, 200 townships).

Class mix A ~1.5 %, B ~20 %, C ~55 %, D the rest; each officer declares a few relationships.
The province keeps only 20 % of its workdays for inspections, so it shows a shortfall.
Time is measured without tracemalloc, then peak memory in a second run with it.

Run: .venv/bin/python bench/plan.py     (targets: county ≤ 1 s; province ≤ 30 s and ≤ 1 GB)
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from enforcement.core import workdays
from enforcement.plans.engine import (
    PlanEnterprise,
    PlanInputs,
    PlanOfficer,
    default_campaigns,
    generate_plan,
)

FLAGS = ("dust_explosion", "ammonia_refrigeration", "confined_space", "hazardous_chemicals_use")
SECTORS = ("metallurgy", "machinery", "light_industry", "textile", "commerce",
           "hazardous_chemicals", "building_materials", "other")


def make_inputs(enterprises: int, officers: int, townships: int, share: float,
                seed: int) -> PlanInputs:
    """``share``: the part of the legal workdays left for inspections after the deductions."""
    rng = random.Random(seed)
    names = [f"乡镇{i:03d}" for i in range(townships)]
    ents = [PlanEnterprise(i, rng.choices("ABCD", (1.5, 20, 55, 23.5))[0], rng.choice(names),
                           rng.choice(SECTORS), {f: rng.random() < 0.08 for f in FLAGS},
                           f"企业{i:06d}")
            for i in range(1, enterprises + 1)]
    offs = [PlanOfficer(i, f"37083020{i:05d}",
                        frozenset(rng.randrange(1, enterprises + 1) for _ in range(3)))
            for i in range(1, officers + 1)]
    rng.shuffle(ents)
    deducted = 248 * officers * (1 - share)  # 2026: 248 legal workdays per officer
    other = {"安全生产综合监管": 10, "行政许可": 5, "事故调查处理": 4, "投诉举报核查": 4,
             "宣传教育培训": 5, "上级交办执法任务": 4}  # parts of the deducted days
    non = {"机关值班": 10, "学习、培训、考核、会议": 8, "病假、事假": 2,
           "年休假、探亲假、婚丧假": 5, "其他非执法工作": 8}
    parts = sum(other.values()) + sum(non.values())
    other = {k: round(deducted * v / parts, 1) for k, v in other.items()}
    non = {k: round(deducted * v / parts, 1) for k, v in non.items()}
    return PlanInputs(2026, 20260101, offs, ents, other, non,
                      campaigns=default_campaigns(max(10, enterprises // 300)))


def run(label: str, enterprises: int, officers: int, townships: int, share: float,
        limit_s: float) -> None:
    calendar = workdays.LegalCalendar()
    inputs = make_inputs(enterprises, officers, townships, share, seed=7)
    start = time.perf_counter()
    plan = generate_plan(inputs, calendar=calendar)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    generate_plan(inputs, calendar=calendar)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cap, short, s = plan.capacity, plan.shortfall, plan.summary
    low, high = plan.officer_load_range
    print(f"{label}: {enterprises:,} enterprises, {officers:,} officers, {townships} townships, "
          f"{share:.0%} of the workdays left for inspections")
    print(f"  generation {elapsed:.3f} s (target ≤ {limit_s:g} s)   "
          f"peak memory {peak / 2**20:.1f} MiB (tracemalloc, plan only)")
    print(f"  capacity: {cap['legal_workdays_per_officer']} × {cap['officers']} = "
          f"{cap['total_workdays']} − {cap['other_enforcement_days']:g} − "
          f"{cap['non_enforcement_days']:g} = {cap['inspection_workdays']:g} workdays, reserve "
          f"{cap['reserve']:g} → {cap['inspections_possible']:,} inspections")
    print(f"  tasks {len(plan.tasks):,}: key {s['key']:,}, random {s['random']:,}, "
          f"campaign {s['campaign']:,}; by class {s['by_class']}")
    print(f"  shortfall: {short['inspections']:,} inspections, {short['officer_days']:g} "
          f"officer-days, {len(short['enterprise_ids']):,} enterprises")
    print(f"  officer load min {low} / max {high}; by month {list(s['by_month'].values())}")


def main() -> None:
    run("county", 3_000, 40, 14, 0.35, 1.0)
    run("province", 200_000, 2_000, 200, 0.20, 30.0)


if __name__ == "__main__":
    main()

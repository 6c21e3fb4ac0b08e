"""Legal calendar speed: add 1,000 working days (warm), and a year's legal working days.

Run: .venv/bin/python bench/workdays.py
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from enforcement.core import workdays


def timed(fn, runs: int) -> list[float]:
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    calendar = workdays.LegalCalendar()
    cold_start = time.perf_counter()
    workdays.add_workdays(date(2026, 1, 1), 1000, calendar)
    cold = time.perf_counter() - cold_start
    starts = [date(2010, 1, 1) + timedelta(days=i * 37 % 5000) for i in range(1000)]
    add = timed(lambda i: workdays.add_workdays(starts[i], 1000, calendar), 1000)
    between = timed(lambda i: workdays.workdays_between(starts[i], starts[i] + timedelta(days=1400),
                                                        calendar), 1000)
    year = timed(lambda i: workdays.legal_workdays(2004 + i % 23, calendar), 1000)
    print("legal calendar (chinese-calendar package data), 1000 runs each")
    print(f"  add_workdays(start, 1000)   cold {cold * 1e3:.2f} ms   "
          f"median {statistics.median(add) * 1e6:.1f} µs   p95 "
          f"{sorted(add)[949] * 1e6:.1f} µs")
    print(f"  workdays_between(~1400 d)   median {statistics.median(between) * 1e6:.1f} µs")
    print(f"  legal_workdays(year)        median {statistics.median(year) * 1e6:.1f} µs")


if __name__ == "__main__":
    main()

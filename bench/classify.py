"""Risk classification of 200,000 enterprises: the rule engine alone, and end to end on SQLite
(read every enterprise and its accidents, evaluate, write the history and the current class).

Run: .venv/bin/python bench/classify.py [count]     (targets: ≥ 100,000/s; ≤ 30 s end to end)
"""

from __future__ import annotations

import statistics
import sys
import time

from _app import NullProgress, make_app


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    app, _instance = make_app("classify")
    from enforcement.enterprises import demo, importer, jobs, registry, service
    from enforcement.extensions import db

    with app.app_context():
        rows = demo.generate(count, seed=42)
        start = time.perf_counter()
        planned = [importer.Planned(i + 2, r, None, "create") for i, r in enumerate(rows)]
        importer.commit(planned, None)
        db.session.commit()
        setup = time.perf_counter() - start
        ruleset = registry.tables().ruleset
        ids = list(range(1, count + 1))
        facts = [f for _id, _o, f in service.facts_for_many(ids[:50_000])]
        facts = (facts * (count // len(facts) + 1))[:count]
        db.session.rollback()
        engine_runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            for f in facts:
                ruleset.evaluate(f)
            engine_runs.append(time.perf_counter() - t0)
        engine = statistics.median(engine_runs)
        e2e_runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            result = jobs.classify_all(NullProgress(), None)
            e2e_runs.append(time.perf_counter() - t0)
    print(f"classification of {count:,} enterprises (demo mix), SQLite, 3 runs, median")
    print(f"  setup: bulk import incl. first classification   {setup:6.1f} s (not a target)")
    print(f"  rule engine alone                             {engine:6.2f} s = "
          f"{count / engine:,.0f} enterprises/s   (target ≥ 100,000/s)")
    print(f"  end to end (classify_all job)                 {statistics.median(e2e_runs):6.2f} s"
          f"   (target ≤ 30 s)   by class: {result['by_class']}")


if __name__ == "__main__":
    main()

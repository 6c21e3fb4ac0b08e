"""Annual plan end to end on SQLite: load the registry and the officers from the database,
compute, store the plan and its tasks — against the time it takes just to load them.

Run: .venv/bin/python bench/plan_db.py [enterprises] [officers]
     (targets: county 3,000/40 ≤ 1 s; province 200,000/2,000 ≤ 30 s and ≤ 3× the load)
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

from _app import make_app

RUNS = 5


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    officers = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    app, _instance = make_app("plan")
    import sqlalchemy as sa

    from enforcement.auth import service as auth
    from enforcement.auth.models import User, UserRole
    from enforcement.core import clock
    from enforcement.enterprises import demo, importer
    from enforcement.extensions import db
    from enforcement.plans import service

    with app.app_context():
        t0 = time.perf_counter()
        rows = demo.generate(count, seed=5)
        importer.commit([importer.Planned(i + 2, r, None, "create") for i, r in enumerate(rows)],
                        None)
        digest = auth.hash_password("Officer-pass-1")
        now = clock.now()
        db.session.execute(sa.insert(User), [
            {"username": f"o{n}", "display_name": f"执法人员{n}", "certificate_no": f"C{n:06d}",
             "password_hash": digest, "must_change_password": False, "active": True,
             "failed_logins": 0, "is_demo": True, "created_at": now, "updated_at": now,
             "version": 1} for n in range(officers)])
        ids = db.session.scalars(sa.select(User.id)).all()
        db.session.execute(sa.insert(UserRole), [{"user_id": i, "role": "officer"} for i in ids])
        db.session.commit()
        setup = time.perf_counter() - t0
        loads, totals = [], []
        for run in range(RUNS):
            t0 = time.perf_counter()
            service._officers(None)
            service._enterprises()
            loads.append(time.perf_counter() - t0)
            db.session.rollback()
            t0 = time.perf_counter()
            plan = service.create_plan({"year": 2026, "seed": 100 + run,
                                        "non_enforcement_days": {}}, None)
            db.session.commit()
            totals.append(time.perf_counter() - t0)
        tracemalloc.start()  # a separate run: tracing slows Python down several times
        service.create_plan({"year": 2026, "seed": 99, "non_enforcement_days": {}}, None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.rollback()
        tasks = sum(plan.summary[k] for k in ("key", "random", "campaign"))
    load, total = statistics.median(loads), statistics.median(totals)
    print(f"annual plan from the database: {count:,} enterprises, {officers:,} officers "
          f"(setup {setup:.0f} s, not a target), {RUNS} runs, median")
    print(f"  load enterprises + officers       {load:6.2f} s")
    print(f"  create_plan (load, compute, store {tasks:,} tasks) {total:6.2f} s = "
          f"{total / load:.2f}× the load; peak traced memory {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()

"""Search the registry of 200,000 enterprises through the test client: median and p95 over 100
typed queries (Chinese fragments, pinyin, initials, credit-code fragments).

Run: .venv/bin/python bench/search.py [count]   (target: median ≤ 100 ms)
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from _app import make_app


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    app, _instance = make_app("search")
    from enforcement.auth import service as auth
    from enforcement.core import text
    from enforcement.enterprises import demo, importer
    from enforcement.extensions import db

    with app.app_context():
        rows = demo.generate(count, seed=7)
        importer.commit([importer.Planned(i + 2, r, None, "create") for i, r in enumerate(rows)],
                        None)
        auth.create_user(auth.AccountData(username="searcher", display_name="检索",
                                          roles=["officer"], password="Find-it-2026",
                                          certificate_no="S1", must_change_password=False))
        db.session.commit()
    rng = random.Random(1)
    queries = []
    for _ in range(100):
        row = rng.choice(rows)
        kind = rng.choice(["chinese", "pinyin", "initials", "uscc"])
        core = row["name"][2:6]
        if kind == "chinese":
            queries.append(core)
        elif kind == "pinyin":
            queries.append(text.pinyin_key(core))
        elif kind == "initials":
            queries.append(text.initials_key(row["name"][2:7]))
        else:
            queries.append(row["uscc"][-8:])
    client = app.test_client()
    login = client.post("/api/v1/auth/tokens",
                        json={"username": "searcher", "password": "Find-it-2026"})
    token = login.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/enterprises", query_string={"q": "热身"}, headers=headers)
    times, hits = [], []
    for q in queries:
        t0 = time.perf_counter()
        response = client.get("/api/v1/enterprises", query_string={"q": q}, headers=headers)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200
        hits.append(len(response.get_json()))
    times.sort()
    print(f"search over {count:,} enterprises, 100 queries through the test client (SQLite)")
    print(f"  median {statistics.median(times) * 1000:.1f} ms   p95 {times[94] * 1000:.1f} ms   "
          f"max {times[-1] * 1000:.1f} ms   (target median ≤ 100 ms); "
          f"queries with hits: {sum(1 for h in hits if h)}/100")


if __name__ == "__main__":
    main()

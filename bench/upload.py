"""Upload throughput: a 100 MB video through POST /api/v1/files (test client, SQLite), and
through the store alone.

Run: .venv/bin/python bench/upload.py [size_mb]
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    instance = tempfile.mkdtemp(prefix="bench-upload-")
    os.environ["INSTANCE_PATH"] = instance
    from flask_migrate import upgrade

    from enforcement import create_app
    from enforcement.auth import service
    from enforcement.core import storage
    from enforcement.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.db",
                      "STORAGE_DIR": f"{instance}/files", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_KIB": 8, "ARGON2_PARALLELISM": 1})
    header = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    with app.app_context():
        upgrade()
        service.create_user(service.AccountData(username="bench", display_name="压测",
                                                roles=["officer"], password="Speed-test-1",
                                                certificate_no="B0001",
                                                must_change_password=False))
        db.session.commit()
    client = app.test_client()
    login = client.post("/api/v1/auth/tokens",
                        json={"username": "bench", "password": "Speed-test-1"})
    token = login.get_json()["token"]
    http, direct = [], []
    for run in range(3):
        payload = header + os.urandom(size_mb * 1024 * 1024 - len(header))
        start = time.perf_counter()
        response = client.post("/api/v1/files", headers={"Authorization": f"Bearer {token}"},
                               content_type="multipart/form-data",
                               data={"file": (io.BytesIO(payload), f"video{run}.mp4")})
        http.append(time.perf_counter() - start)
        assert response.status_code == 201, response.get_json()
        payload = header + os.urandom(size_mb * 1024 * 1024 - len(header))
        with app.app_context():
            start = time.perf_counter()
            storage.store(io.BytesIO(payload), f"direct{run}.mp4", None)
            db.session.commit()
            direct.append(time.perf_counter() - start)
    print(f"upload of {size_mb} MB, 3 runs, median")
    print(f"  POST /api/v1/files (multipart parse + hash + fsync + store): "
          f"{statistics.median(http):.2f} s = {size_mb / statistics.median(http):.0f} MB/s")
    print(f"  storage.store alone (hash + fsync + link):                  "
          f"{statistics.median(direct):.2f} s = {size_mb / statistics.median(direct):.0f} MB/s")


if __name__ == "__main__":
    main()

"""A throw-away application on a fresh SQLite database, for benchmarks."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_app(name: str):
    instance = tempfile.mkdtemp(prefix=f"bench-{name}-")
    os.environ["INSTANCE_PATH"] = instance
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    from flask_migrate import upgrade

    from enforcement import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.db",
                      "STORAGE_DIR": f"{instance}/files", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_KIB": 8, "ARGON2_PARALLELISM": 1})
    with app.app_context():
        upgrade()
    return app, Path(instance)


class NullProgress:
    def progress(self, fraction, message=None):
        pass

"""Background work of the registry: large imports and re-classifying every enterprise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from enforcement.core import audit, clock, storage
from enforcement.enterprises import importer, registry
from enforcement.enterprises.models import Enterprise
from enforcement.extensions import db


def import_sheet(ctx, file_id: int, dry_run: bool, user_id: int | None) -> dict[str, Any]:
    """Analyse (and, without errors and unless a dry run, commit) an uploaded sheet."""
    record = storage.get_file(file_id)
    path = storage.verified_path(record.sha256)
    ctx.progress(0.02, "读取表格")
    report, planned = importer.analyse(Path(path), record.content_type,
                                       progress=lambda n: ctx.progress(min(0.5, n / 200_000),
                                                                       f"已检查 {n} 行"),
                                       for_commit=not dry_run)
    result = report.as_dict()
    result["dry_run"] = dry_run
    result["committed"] = False
    if dry_run or report.errors:
        db.session.rollback()
        return result
    with audit.acting_as(user_id, _username(user_id)):
        importer.commit(planned, user_id,
                        progress=lambda done, total: ctx.progress(0.5 + 0.5 * done / max(total, 1),
                                                                  f"已写入 {done}/{total}"))
        db.session.commit()
    result["committed"] = True
    return result


def classify_all(ctx, user_id: int | None) -> dict[str, Any]:
    """Re-evaluate every enterprise with the current ruleset, in batches."""
    ruleset = registry.tables().ruleset
    ids = list(db.session.scalars(sa.select(Enterprise.id).order_by(Enterprise.id)))
    db.session.rollback()
    now = clock.now()
    counts = {"A": 0, "B": 0, "C": 0, "D": 0}
    with audit.acting_as(user_id, _username(user_id)):
        for start in range(0, len(ids), 2000):
            batch = ids[start:start + 2000]
            importer.classify_batch(batch, ruleset, now, user_id, "bulk_run")
            db.session.commit()
            ctx.progress((start + len(batch)) / max(len(ids), 1),
                         f"已评估 {start + len(batch)}/{len(ids)}")
        for risk_class, count in db.session.execute(
                sa.select(Enterprise.risk_class, sa.func.count()).group_by(Enterprise.risk_class)):
            if risk_class in counts:
                counts[risk_class] = count
        audit.record("classification_run", "enterprises", None,
                     changes={"enterprises": len(ids), "ruleset": ruleset.ident, **counts})
        db.session.commit()
    return {"enterprises": len(ids), "by_class": counts, "ruleset": ruleset.ident}


def _username(user_id: int | None) -> str:
    if user_id is None:
        return "system"
    from enforcement.auth.models import User

    user = db.session.get(User, user_id)
    return user.username if user else f"user:{user_id}"

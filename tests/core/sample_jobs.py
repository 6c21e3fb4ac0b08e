"""Job functions for the job tests (importable by path, as a worker needs)."""

from enforcement.auth.models import User
from enforcement.extensions import db


def count_users(ctx, prefix):
    users = db.session.query(User).filter(User.username.like(f"{prefix}%")).all()
    for i, _user in enumerate(users, start=1):
        ctx.progress(i / len(users), f"{i}/{len(users)}")
    return {"count": len(users)}


def explode(ctx):
    ctx.progress(0.5, "half way")
    raise RuntimeError("第 3 行数据有误")

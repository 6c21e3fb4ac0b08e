"""flask commands: demo data (idempotent), users, audit."""

import sqlalchemy as sa

from enforcement.auth.models import User, UserRole
from enforcement.extensions import db


def test_demo_is_idempotent_and_complete(app, runner):
    app.config["DEMO_PASSWORD"] = "Demo-pass-2026"
    try:
        first = runner.invoke(args=["demo"])
        assert first.exit_code == 0, first.output
        second = runner.invoke(args=["demo"])
        assert second.exit_code == 0 and "新建用户 0 个" in second.output
    finally:
        app.config["DEMO_PASSWORD"] = None
    for name in ("officer1", "leader1", "reviewer1", "expert1", "admin", "auditor1"):
        user = db.session.scalar(sa.select(User).filter_by(username=name))
        assert user is not None and user.must_change_password is False, name
    officers = db.session.scalars(sa.select(User).join(UserRole).where(
        UserRole.role == "officer")).all()
    assert len(officers) == 40
    certificates = {o.certificate_no for o in officers}
    assert len(certificates) == 40 and None not in certificates
    assert "officer1" in {o.username for o in officers}


def test_demo_password_must_meet_the_policy(app, runner):
    app.config["DEMO_PASSWORD"] = "weak"
    try:
        result = runner.invoke(args=["demo"])
    finally:
        app.config["DEMO_PASSWORD"] = None
    assert result.exit_code == 2
    assert "密码至少 8 位" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_users_commands(runner):
    created = runner.invoke(args=["users", "create", "wangfang", "--name", "王芳", "--role",
                                  "officer", "--certificate", "37083012345",
                                  "--password", "First-pass-1"])
    assert created.exit_code == 0, created.output
    roles = runner.invoke(args=["users", "roles", "wangfang", "officer", "leader"])
    assert roles.exit_code == 0 and "officer leader" in roles.output
    weak = runner.invoke(args=["users", "set-password", "wangfang", "--password", "short"])
    assert weak.exit_code == 2 and "密码" in weak.output
    ok = runner.invoke(args=["users", "set-password", "wangfang", "--password", "Second-pass-2"])
    assert ok.exit_code == 0
    missing = runner.invoke(args=["users", "roles", "nobody"])
    assert missing.exit_code == 2
    bad_role = runner.invoke(args=["users", "create", "x1", "--name", "某", "--role", "wizard",
                                   "--password", "First-pass-1"])
    assert bad_role.exit_code == 2 and "未知角色" in bad_role.output

"""The audit trail: written with every change, in the same transaction, chained, tamper-evident."""

import pytest
import sqlalchemy as sa

from enforcement.auth import service
from enforcement.core import audit
from enforcement.core.audit import AuditEvent
from enforcement.extensions import db
from tests.conftest import bearer


def _events(**filters):
    return db.session.scalars(sa.select(AuditEvent).filter_by(**filters)
                              .order_by(AuditEvent.seq)).all()


def test_every_change_is_recorded_with_before_and_after(make_user):
    user = make_user(["officer"], display_name="旧名")
    created = _events(object_type="users", object_id=str(user.id), action="create")
    assert len(created) == 1
    assert created[0].changes["display_name"] == [None, "旧名"]
    assert created[0].changes["password_hash"] == [None, "***"], "secrets never enter the trail"
    service.update_user(user, user.version, display_name="新名")
    db.session.commit()
    updated = _events(object_type="users", object_id=str(user.id), action="update")
    assert updated[-1].changes["display_name"] == ["旧名", "新名"]


def test_event_is_rolled_back_with_the_change(make_user):
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    nested = db.session.begin_nested()
    service.create_user(service.AccountData(
        username="ghost", display_name="幽灵", roles=["expert"], password="Spectre-pass-1"))
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) > before
    nested.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == before


def test_http_changes_record_actor_and_address(client, make_user, api_token):
    admin = make_user(["admin"], username="adminx")
    token = api_token(admin)
    target = make_user(["expert"])
    response = client.patch(f"/api/v1/users/{target.id}", headers=bearer(token),
                            json={"version": target.version, "phone": "13900000000"})
    assert response.status_code == 200
    event = _events(object_type="users", object_id=str(target.id), action="update")[-1]
    assert event.actor_name == "adminx" and event.actor_id == admin.id
    assert event.ip == "127.0.0.1"


def test_failed_logins_are_recorded_although_the_request_fails(client, make_user):
    user = make_user()
    client.post("/api/v1/auth/tokens", json={"username": user.username, "password": "Nope-123x"})
    failures = _events(object_type="users", object_id=str(user.id), action="login_failed")
    assert len(failures) == 1 and failures[0].success is False


def test_chain_verifies(make_user):
    make_user()
    make_user(["leader"])
    status = audit.verify_chain()
    assert status.ok and status.count >= 4


def _disable_append_only_guard():
    """What an attacker with database access would do first (undone with the test's rollback)."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
    else:
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")


def test_tampering_with_an_event_is_detected_and_named(runner, make_user):
    make_user(display_name="甲")
    make_user(display_name="乙")
    target = _events(action="create")[1]
    _disable_append_only_guard()
    db.session.execute(
        sa.text("UPDATE audit_events SET actor_name = 'someone-else' WHERE id = :id"),
        {"id": target.id})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"seq={target.seq}" in result.output
    assert "content does not match its hash" in result.output


def test_removing_an_event_is_detected(runner, make_user):
    make_user()
    make_user()
    victim = _events(action="create")[1]
    _disable_append_only_guard()
    db.session.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": victim.id})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"seq={victim.seq + 1}" in result.output


def test_removing_the_last_events_is_detected(runner, make_user):
    make_user()
    last = _events()[-1]
    _disable_append_only_guard()
    db.session.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": last.id})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "removed" in result.output


def test_intact_chain_verifies_from_the_cli(runner, make_user):
    make_user()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "chain ok" in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'x'",
    "DELETE FROM audit_events",
])
def test_the_database_refuses_to_change_events(make_user, statement):
    make_user()
    nested = db.session.begin_nested()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
    nested.rollback()


def test_the_orm_refuses_to_change_events(make_user):
    make_user()
    event = _events()[0]
    event.action = "forged"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_auditor_page_lists_and_filters_with_chain_status(client, make_user, login):
    make_user(display_name="被审计")
    login(make_user(["auditor"]))
    page = client.get("/audit/?action=create&object_type=users").get_data(as_text=True)
    assert "哈希链完整" in page and "被审计" in page
    bad = client.get("/audit/?date_from=not-a-date")
    assert bad.status_code == 200 and "日期格式无效" in bad.get_data(as_text=True)


def test_audit_api_filters(client, make_user, api_token):
    token = api_token(make_user(["auditor"]))
    response = client.get("/api/v1/audit/events?action=login&page_size=5", headers=bearer(token))
    assert response.status_code == 200
    assert all(e["action"] == "login" for e in response.get_json())
    verify = client.get("/api/v1/audit/verify", headers=bearer(token)).get_json()
    assert verify["ok"] is True


def test_sign_in_events_name_the_user_who_signed_in(client, make_user, api_token):
    user = make_user(username="zhouyi")
    api_token(user)
    client.post("/api/v1/auth/tokens", json={"username": "zhouyi", "password": "Wrong-pass-9"})
    login = _events(object_id=str(user.id), action="login")[-1]
    failed = _events(object_id=str(user.id), action="login_failed")[-1]
    assert login.actor_name == "zhouyi" and login.actor_id == user.id
    assert failed.actor_name == "zhouyi" and failed.ip == "127.0.0.1"

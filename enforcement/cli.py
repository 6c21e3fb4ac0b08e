"""flask commands: demo data, users, audit verification."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from enforcement.core import audit
from enforcement.core.errors import DomainError
from enforcement.extensions import db


def _cli_actor():
    return audit.acting_as(None, f"cli:{getpass.getuser()}")


def _fail(err: DomainError) -> None:
    click.echo(f"错误：{err.detail}", err=True)
    for field, messages in (err.errors or {}).items():
        for message in messages:
            click.echo(f"  {field}: {message}", err=True)
    sys.exit(2)


# -- users ------------------------------------------------------------------------------------

users_cli = AppGroup("users", help="管理用户账号 Manage user accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名")
@click.option("--role", "roles", multiple=True, required=True,
              help="角色，可重复：officer leader reviewer expert admin auditor")
@click.option("--certificate", "certificate_no", default=None, help="执法证号（执法人员必填）")
@click.option("--phone", default=None)
@click.option("--password", default=None, help="初始密码；不填则交互输入")
def users_create(username, display_name, roles, certificate_no, phone, password):
    """Create a user who must change the password at first login."""
    from enforcement.auth import service

    password = password or click.prompt("初始密码", hide_input=True, confirmation_prompt=True)
    with _cli_actor():
        try:
            user = service.create_user(service.AccountData(
                username=username, display_name=display_name, roles=list(roles),
                password=password, phone=phone, certificate_no=certificate_no))
        except DomainError as err:
            db.session.rollback()
            _fail(err)
        db.session.commit()
    click.echo(f"已创建用户 {user.username}（{'、'.join(user.roles)}），首次登录须修改密码。")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="新密码；不填则交互输入")
@click.option("--temporary/--permanent", default=True,
              help="临时密码（下次登录须修改，默认）或正式密码")
def users_set_password(username, password, temporary):
    """Set a user's password (also unlocks the account)."""
    from enforcement.auth import service

    user = service.find_by_username(username)
    if user is None:
        click.echo(f"错误：用户 {username} 不存在", err=True)
        sys.exit(2)
    password = password or click.prompt("新密码", hide_input=True, confirmation_prompt=True)
    with _cli_actor():
        try:
            service.set_password(user, password, must_change=temporary)
            service.revoke_all_tokens(user)
            audit.record("password_reset", "users", user.id)
        except DomainError as err:
            db.session.rollback()
            _fail(err)
        db.session.commit()
    click.echo(f"已设置 {user.username} 的密码。")


@users_cli.command("roles")
@click.argument("username")
@click.argument("roles", nargs=-1)
def users_roles(username, roles):
    """Show a user's roles, or replace them with ROLES."""
    from enforcement.auth import service

    user = service.find_by_username(username)
    if user is None:
        click.echo(f"错误：用户 {username} 不存在", err=True)
        sys.exit(2)
    if roles:
        with _cli_actor():
            try:
                service.update_user(user, user.version, roles=list(roles))
            except DomainError as err:
                db.session.rollback()
                _fail(err)
            db.session.commit()
    click.echo(f"{user.username}: {' '.join(user.roles)}")


# -- audit ------------------------------------------------------------------------------------

audit_cli = AppGroup("audit", help="审计日志 Audit trail.")


@audit_cli.command("verify")
def audit_verify():
    """Check the whole hash chain; exit 1 and name the first broken event if it is broken."""
    status = audit.verify_chain()
    if status.ok:
        click.echo(f"审计链完整：{status.count} 条事件全部校验通过。"
                   f" (chain ok: {status.count} events)")
        return
    click.echo(f"审计链断裂：第一个不一致的事件 seq={status.broken_seq} id={status.broken_id}："
               f"{status.reason} (chain broken at seq {status.broken_seq})", err=True)
    sys.exit(1)


# -- calendar ---------------------------------------------------------------------------------

calendar_cli = AppGroup("calendar", help="法定节假日 Legal holiday calendar.")


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=int, required=True, help="年份，如 2027")
@click.option("--source", default="", help="依据，如 国务院办公厅通知的文号")
def calendar_import(file, year, source):
    """Enter a year's holidays from FILE: lines ``日期或范围,休|班,名称`` (UTF-8 CSV)."""
    from enforcement.system import service

    text = Path(file).read_text(encoding="utf-8-sig")
    with _cli_actor():
        try:
            service.enter_year(year, text, source or f"导入自 {Path(file).name}", None)
        except DomainError as err:
            db.session.rollback()
            _fail(err)
        db.session.commit()
        info = service.year_info(year)
    click.echo(f"已录入 {year} 年：法定工作日 {info['legal_workdays']} 天。")


@calendar_cli.command("show")
@click.argument("year", type=int)
def calendar_show(year):
    """Print a year's legal working days and special days."""
    from enforcement.system import service

    info = service.year_info(year)
    state = "暂定（无官方数据）" if info["provisional"] else "官方"
    click.echo(f"{year} 年 {state}，来源：{info['source']}；法定工作日 {info['legal_workdays']} 天")
    for day in info["days"]:
        click.echo(f"  {day['date']}  {'休' if day['kind'] == 'holiday' else '班'}  {day['name']}")


# -- plans ------------------------------------------------------------------------------------

plans_cli = AppGroup("plans", help="年度监督检查计划 Annual plans.")


@plans_cli.command("verify-draw")
@click.argument("plan_id", type=int)
def plans_verify_draw(plan_id):
    """Re-run a plan's 双随机 draw from its published seed, pool and weights."""
    from enforcement.plans import service

    try:
        plan = service.get_plan(plan_id)
    except DomainError as err:
        _fail(err)
    ok, message = service.verify_draw(plan)
    click.echo(message)
    if not ok:
        sys.exit(1)


# -- jobs -------------------------------------------------------------------------------------

@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="处理完队列后退出 Exit when the queue is empty.")
def worker(burst):
    """Run a background-job worker on Redis (REDIS_URL)."""
    from enforcement.core import jobs

    jobs.run_worker(current_app._get_current_object(), burst=burst)


# -- demo -------------------------------------------------------------------------------------

@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True,
              help="只在数据库没有任何用户时写入（make run 使用）Seed only an empty database.")
def demo(if_empty):
    """Seed the demo county (idempotent): one user per role and the county's 40 officers."""
    from enforcement import demo as demo_data

    if if_empty and demo_data.has_users():
        accounts = ", ".join(demo_data.DEMO_ACCOUNTS)
        click.echo(f"数据库已有用户，未写入演示数据。演示账号（如已创建）：{accounts}")
        path = Path(current_app.instance_path) / "demo-password.txt"
        if current_app.config.get("DEMO_PASSWORD"):
            click.echo("演示密码：DEMO_PASSWORD 环境变量的值")
        elif path.exists():
            click.echo(f"演示密码 Demo password: {path.read_text().strip()}  ({path})")
        return
    password, source = _demo_password()
    from enforcement.enterprises import demo as enterprise_demo

    with _cli_actor():
        try:
            created = demo_data.seed_users(password)
        except DomainError as err:
            db.session.rollback()
            _fail(err)
        db.session.commit()
        enterprises = enterprise_demo.seed()
        db.session.commit()
        from enforcement.experts import demo as expert_demo

        experts = expert_demo.seed(password)
        db.session.commit()
        from enforcement.inspections import demo as inspection_demo

        inspections = inspection_demo.seed()
        db.session.commit()
        from enforcement.cases import demo as case_demo

        cases = case_demo.seed()
        db.session.commit()
        from enforcement.documents import demo as document_demo

        documents = document_demo.seed()
        db.session.commit()
    click.echo(f"演示数据已就绪：新建用户 {created} 个，企业 {enterprises} 家，专家 {experts} 名，"
               f"现场检查 {inspections} 次，行政处罚案件 {cases} 件，执法文书 {documents} 份。")
    click.echo("演示账号 Demo accounts: " + ", ".join(demo_data.DEMO_ACCOUNTS))
    if created:
        click.echo(f"演示密码 Demo password: {password}  ({source})")
    else:
        click.echo(f"演示账号已存在，密码未改变 ({source}: {password})")


def _demo_password() -> tuple[str, str]:
    from enforcement.auth.service import generate_password

    configured = current_app.config.get("DEMO_PASSWORD")
    if configured:
        return configured, "DEMO_PASSWORD"
    path = Path(current_app.instance_path) / "demo-password.txt"
    if path.exists():
        return path.read_text().strip(), str(path)
    password = generate_password()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return password, str(path)


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(worker)
    app.cli.add_command(plans_cli)
    from enforcement.documents.pki_cli import group as pki_cli

    app.cli.add_command(pki_cli)

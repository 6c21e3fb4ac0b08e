"""``flask pki``: the bureau's CA and the reviewers' signing certificates.

    flask pki init [--force]           create the CA and the bureau's document-signing certificate
    flask pki issue USERNAME [--renew] a certificate for a reviewer (or leader)
    flask pki list                     every certificate and its status
    flask pki revoke USERNAME          the certificate can no longer sign

Keys are encrypted with PKI_PASSPHRASE (see ``pki.py``); each action is written to the audit trail.
"""

from __future__ import annotations

import getpass
import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from enforcement.core import audit
from enforcement.documents import pki
from enforcement.extensions import db

SIGNING_ROLES = ("reviewer", "leader")

group = AppGroup("pki", help="电子签名证书 Bureau CA and document-signing certificates.")


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(2)


def _actor():
    return audit.acting_as(None, f"cli:{getpass.getuser()}")


def _find_user(username: str):
    from enforcement.auth.models import User

    return db.session.scalar(sa.select(User).filter_by(username=username))


def _echo_cert(label: str, info: dict) -> None:
    click.echo(f"{label}：{info['common_name']}")
    click.echo(f"  SHA-256 指纹 {info['sha256']}")
    click.echo(f"  序列号 {info['serial']}  有效期至 {info['not_after']:%Y-%m-%d}")


@group.command("init")
@click.option("--force", is_flag=True,
              help="重建 CA：旧文件移入 archive/，所有审核人员须重新签发证书")
def init(force):
    """Create the bureau's CA and its document-signing certificate (电子公章)."""
    try:
        result = pki.init_ca(force=force)
    except pki.PkiError as err:
        _fail(str(err))
    with _actor():
        audit.record("pki_initialised", "pki", None, changes={
            "ca_sha256": result["ca"]["sha256"], "bureau_sha256": result["bureau"]["sha256"],
            "force": force})
        db.session.commit()
    _echo_cert("CA 证书", result["ca"])
    _echo_cert("本局电子公章证书", result["bureau"])
    if result["archived"]:
        click.echo(f"旧的 CA 与证书已移至 {result['archived']}；请为每位审核人员重新运行 "
                   "`flask pki issue`。")


@group.command("issue")
@click.argument("username")
@click.option("--renew", is_flag=True, help="已有有效证书时仍重新签发（旧证书归档）")
def issue(username, renew):
    """Issue a signing certificate for USERNAME (a reviewer or a leader)."""
    user = _find_user(username)
    if user is None:
        _fail(f"用户 {username} 不存在")
    if not any(user.has_role(role) for role in SIGNING_ROLES):
        _fail(f"用户 {username}（{'、'.join(user.roles) or '无角色'}）不是法制审核人员或负责人，"
              "不能签发签名证书")
    if not user.active:
        _fail(f"用户 {username} 已停用")
    try:
        info = pki.issue_user(username, user.display_name, renew=renew)
    except pki.PkiError as err:
        _fail(str(err))
    with _actor():
        audit.record("certificate_issued", "users", user.id, changes={
            "serial": info["serial"], "sha256": info["sha256"], "not_after": info["not_after"]})
        db.session.commit()
    _echo_cert(f"已为 {username} 签发证书", info)


@group.command("list")
def list_():
    """Print the CA, the bureau's certificate and every user's certificate with its status."""
    try:
        info = pki.list_certificates()
    except pki.PkiError as err:
        _fail(str(err))
    labels = {"valid": "有效", "revoked": "已吊销", "expired": "已过期"}
    _echo_cert("CA 证书", info["ca"])
    if info["bureau"]:
        _echo_cert(f"本局电子公章证书（{labels[info['bureau']['status']]}）", info["bureau"])
    if not info["users"]:
        click.echo("尚无审核人员证书。")
    for user in info["users"]:
        line = (f"{user['username']:<16} {user['common_name']:<8} {labels[user['status']]:<4} "
                f"至 {user['not_after']:%Y-%m-%d}  序列号 {user['serial']}")
        if user["revoked"]:
            line += f"  吊销于 {user['revoked']['at']:%Y-%m-%d}"
        click.echo(line)


@group.command("revoke")
@click.argument("username")
@click.option("--reason", default="", help="吊销原因，如 离职、私钥泄露")
def revoke(username, reason):
    """Revoke USERNAME's certificate: it can no longer sign (earlier signatures remain)."""
    try:
        pki.revoke(username, reason=reason)
    except pki.PkiError as err:
        _fail(str(err))
    user = _find_user(username)
    with _actor():
        audit.record("certificate_revoked", "users", user.id if user else username,
                     changes={"reason": reason})
        db.session.commit()
    click.echo(f"已吊销 {username} 的证书。")

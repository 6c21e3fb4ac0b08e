"""The demo county (shaped like 汶上县, admin code 370830): accounts for every role and the
county's 40 law-enforcement officers. Later modules add their demo data here."""

from __future__ import annotations

from enforcement.auth import service
from enforcement.auth.models import User

DEMO_ACCOUNTS = ("officer1", "leader1", "reviewer1", "expert1", "admin", "auditor1")
OFFICER_COUNT = 40

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = ["建国", "海涛", "志强", "秀英", "丽娟", "卫东", "晓明", "红梅", "国华", "文博",
          "思远", "雪峰", "立新", "玉兰", "德胜", "春燕", "俊杰", "海燕", "明辉", "静怡"]


def officer_name(n: int) -> str:
    """A stable, distinct Chinese name for officer ``n`` (1-based)."""
    return _SURNAMES[(n * 7) % len(_SURNAMES)] + _GIVEN[(n * 3) % len(_GIVEN)]


def certificate_for(n: int) -> str:
    """执法证号: region 370830 + a 5-digit serial."""
    return f"370830{n:05d}"


def _accounts() -> list[service.AccountData]:
    accounts = []
    for n in range(1, OFFICER_COUNT + 1):
        accounts.append(service.AccountData(
            username=f"officer{n}", display_name=officer_name(n), roles=["officer"],
            password="", certificate_no=certificate_for(n), phone=f"1386370{n:04d}"))
    accounts += [
        service.AccountData(username="leader1", display_name="孔令军", roles=["leader"],
                            password="", certificate_no=certificate_for(901), phone="13863709001"),
        service.AccountData(username="reviewer1", display_name="颜法明", roles=["reviewer"],
                            password="", certificate_no=certificate_for(902), phone="13863709002"),
        service.AccountData(username="expert1", display_name="孟安全", roles=["expert"],
                            password="", phone="13863709003"),
        service.AccountData(username="admin", display_name="系统管理员", roles=["admin"],
                            password=""),
        service.AccountData(username="auditor1", display_name="审计管理员", roles=["auditor"],
                            password=""),
    ]
    return accounts


def seed_users(password: str) -> int:
    """Create the demo accounts that do not exist yet; returns how many were created."""
    created = 0
    for account in _accounts():
        if service.find_by_username(account.username) is not None:
            continue
        account.password = password
        account.must_change_password = False  # demo accounts are exempt from the forced change
        account.is_demo = True
        service.create_user(account)
        created += 1
    return created


def has_users() -> bool:
    from sqlalchemy import exists, select

    from enforcement.extensions import db

    return bool(db.session.scalar(select(exists().where(User.id.isnot(None)))))

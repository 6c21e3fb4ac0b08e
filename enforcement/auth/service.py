"""Accounts, passwords, login, second factor and API tokens.

Security parameters follow the 等级保护 2.0 level-3 practice in DOMAIN.md §10.1: passwords of at
least 8 characters from 3 of 4 character classes, changed at first login; 5 failures lock the
account for 30 minutes; sessions end after 30 idle minutes; TOTP as the second factor.
Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

from enforcement.auth.models import ROLE_CODES, ApiToken, User, UserRole
from enforcement.core import audit, clock
from enforcement.core.errors import (
    Forbidden,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    ValidationFailed,
)
from enforcement.core.permissions import Role
from enforcement.extensions import db

_hashers: dict[tuple[int, int, int], PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    """Argon2id with the configured cost (tests use a cheap one; production the library default)."""
    cfg = current_app.config
    params = (cfg.get("ARGON2_TIME_COST", 3), cfg.get("ARGON2_MEMORY_KIB", 65536),
              cfg.get("ARGON2_PARALLELISM", 4))
    if params not in _hashers:
        _hashers[params] = PasswordHasher(time_cost=params[0], memory_cost=params[1],
                                          parallelism=params[2])
    return _hashers[params]
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


# -- passwords --------------------------------------------------------------------------------

def password_problems(password: str, username: str | None = None) -> list[str]:
    """What is wrong with a new password under the policy (empty when it is acceptable)."""
    problems = []
    if len(password) < 8:
        problems.append(_("密码至少 8 位。"))
    patterns = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    classes = sum(bool(re.search(p, password)) for p in patterns)
    if classes < 3:
        problems.append(_("密码须包含大写字母、小写字母、数字、符号中的至少三类。"))
    if username and username.lower() in password.lower():
        problems.append(_("密码不能包含用户名。"))
    return problems


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        ok = _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if ok and _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return ok


def password_stamp(user: User) -> str:
    """Changes whenever the password does: sessions made before a reset stop working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _check_new_password(user_or_name: User | str, password: str, field: str = "password") -> None:
    username = user_or_name.username if isinstance(user_or_name, User) else user_or_name
    problems = password_problems(password, username)
    if problems:
        raise ValidationFailed(_("密码不符合要求"), errors={field: problems})


def set_password(user: User, password: str, *, must_change: bool) -> None:
    """Set a password: by an administrator (``must_change``: the user changes it at next login)
    or by the user."""
    _check_new_password(user, password)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.password_changed_at = clock.now()
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def change_own_password(user: User, current: str, new: str) -> None:
    if not verify_password(user, current):
        raise ValidationFailed(_("当前密码不正确"),
                               errors={"current_password": [_("当前密码不正确。")]})
    if current == new:
        raise ValidationFailed(_("新密码不能与当前密码相同"),
                               errors={"new_password": [_("新密码不能与当前密码相同。")]})
    _check_new_password(user, new, "new_password")
    set_password(user, new, must_change=False)
    audit.record("password_changed", "users", user.id)


# -- accounts ---------------------------------------------------------------------------------

def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("用户 %(id)s 不存在", id=user_id))
    return user


def find_by_username(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))


def list_users(role: str | None = None, active: bool | None = None, q: str | None = None):
    """A select of users, by role and state; ``q`` matches username, name or certificate."""
    stmt = sa.select(User).order_by(User.id)
    if role:
        stmt = stmt.where(User.role_rows.any(UserRole.role == role))
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(sa.or_(User.username.ilike(like), User.display_name.ilike(like),
                                 User.certificate_no.ilike(like)))
    return stmt


def _validate_account(username: str | None, roles: list[str] | None, certificate_no: str | None,
                      user: User | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if username is not None:
        if not USERNAME_RE.match(username):
            errors["username"] = [
                _("用户名为 2–64 位小写字母、数字、点、下划线或连字符，以字母或数字开头。")]
        elif find_by_username(username) not in (None, user):
            errors["username"] = [_("用户名已被使用。")]
    if roles is not None:
        unknown = [r for r in roles if r not in ROLE_CODES]
        if unknown:
            errors["roles"] = [_("未知角色：%(roles)s", roles="、".join(unknown))]
        elif not roles:
            errors["roles"] = [_("至少选择一个角色。")]
    effective_roles = roles if roles is not None else (user.roles if user else [])
    cert = certificate_no if certificate_no is not None else (user.certificate_no if user else None)
    if Role.OFFICER in effective_roles and not cert:
        errors["certificate_no"] = [_("执法人员必须填写执法证号。")]
    if certificate_no:
        clash = db.session.scalar(sa.select(User).where(User.certificate_no == certificate_no))
        if clash is not None and clash is not user:
            errors["certificate_no"] = [_("执法证号已属于用户 %(name)s。", name=clash.display_name)]
    return errors


@dataclass
class AccountData:
    username: str
    display_name: str
    roles: list[str]
    password: str
    phone: str | None = None
    certificate_no: str | None = None
    must_change_password: bool = True
    email: str | None = None
    is_demo: bool = False
    legal_qualified: bool = False


def create_user(data: AccountData) -> User:
    username = data.username.strip().lower()
    certificate_no = (data.certificate_no or "").strip() or None
    errors = _validate_account(username, data.roles, certificate_no)
    problems = password_problems(data.password, username)
    if problems:
        errors["password"] = problems
    if errors:
        raise ValidationFailed(_("用户信息有误"), errors=errors)
    user = User(username=username, display_name=data.display_name.strip(),
                phone=(data.phone or "").strip() or None, certificate_no=certificate_no,
                email=(data.email or "").strip().lower() or None,
                password_hash=hash_password(data.password),
                must_change_password=data.must_change_password, is_demo=data.is_demo,
                legal_qualified=data.legal_qualified,
                password_changed_at=clock.now())
    user.role_rows = [UserRole(role=r) for r in dict.fromkeys(data.roles)]
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, version: int, *, display_name: str | None = None,
                phone: str | None = None, certificate_no: str | None = None,
                email: str | None = None,
                roles: list[str] | None = None, active: bool | None = None,
                legal_qualified: bool | None = None,
                acting_user: User | None = None) -> User:
    """Edit an account. ``None`` leaves a field as it is; "" clears phone or certificate."""
    user.check_version(version)
    cert = None if certificate_no is None else certificate_no.strip()
    errors = _validate_account(None, roles, cert, user)
    if acting_user is not None and acting_user.id == user.id:
        if active is False:
            errors["active"] = [_("不能停用自己的账号。")]
        if roles is not None and Role.ADMIN in user.roles and Role.ADMIN not in roles:
            errors["roles"] = [_("不能撤销自己的系统管理员角色。")]
    if errors:
        raise ValidationFailed(_("用户信息有误"), errors=errors)
    if display_name is not None:
        user.display_name = display_name.strip()
    if phone is not None:
        user.phone = phone.strip() or None
    if email is not None:
        user.email = email.strip().lower() or None
    if cert is not None:
        user.certificate_no = cert or None
    if roles is not None and set(roles) != set(user.roles):
        keep = [r for r in user.role_rows if r.role in roles]
        user.role_rows = keep + [UserRole(role=r) for r in dict.fromkeys(roles)
                                 if r not in {k.role for k in keep}]
        audit.record("roles_changed", "users", user.id, changes={"roles": sorted(roles)})
        _touch(user)
    if legal_qualified is not None:
        user.legal_qualified = legal_qualified
    if active is not None and active != user.active:
        user.active = active
        if not active:
            revoke_all_tokens(user)
    db.session.flush()
    return user


def _touch(user: User) -> None:
    """A change that lives in a child table still bumps the user's version."""
    user.updated_at = clock.now()


def reset_password(user: User, new_password: str | None = None) -> str:
    """Administrator's reset: a new temporary password the user must change at next login."""
    password = new_password or generate_password()
    set_password(user, password, must_change=True)
    revoke_all_tokens(user)
    audit.record("password_reset", "users", user.id)
    return password


def generate_password() -> str:
    """A random password that satisfies the policy (for resets and demo accounts)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(10))
        candidate = f"{body}#{secrets.randbelow(90) + 10}"
        if not password_problems(candidate):
            return candidate


# -- login ------------------------------------------------------------------------------------

class SecondFactorRequired(Unauthorized):
    """Password accepted; a TOTP code is still needed."""


def requires_second_factor(user: User) -> bool:
    required = set(current_app.config.get("REQUIRE_2FA_FOR") or [])
    return bool(required & set(user.roles))


def _register_failure(user: User, reason: str) -> str:
    """Count a failure; lock the account at the limit. Returns the message to show."""
    with audit.acting_user(user):
        return _count_failure(user, reason)


def _count_failure(user: User, reason: str) -> str:
    cfg = current_app.config
    user.failed_logins += 1
    audit.record("login_failed", "users", user.id, success=False, changes={"reason": reason})
    if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
        user.locked_until = clock.now() + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
        audit.record("account_locked", "users", user.id, success=False,
                     changes={"until": user.locked_until})
        return _("连续 %(n)s 次登录失败，账号已锁定 %(m)s 分钟。",
                 n=cfg["LOGIN_MAX_FAILURES"], m=cfg["LOGIN_LOCK_MINUTES"])
    left = cfg["LOGIN_MAX_FAILURES"] - user.failed_logins
    return _("还可尝试 %(n)s 次，之后账号将被锁定。", n=left)


def locked_message(user: User) -> str:
    minutes = max(1, int((user.locked_until - clock.now()).total_seconds() // 60) + 1)
    return _("登录失败次数过多，账号已锁定，请 %(m)s 分钟后再试或联系系统管理员。", m=minutes)


def check_password_step(username: str, password: str) -> User:
    """First step of a login: the password. Raises on failure (after recording it).

    The caller must commit even when this raises, so that failures are counted.
    """
    user = find_by_username(username or "")
    if user is None:
        audit.record("login_failed", "users", None, success=False,
                     changes={"username": (username or "")[:64], "reason": "unknown user"})
        raise Unauthorized(_("用户名或密码错误。"))
    if user.locked_until and user.locked_until > clock.now():
        with audit.acting_user(user):
            audit.record("login_refused", "users", user.id, success=False,
                         changes={"reason": "locked"})
        raise TooManyAttempts(locked_message(user))
    if not verify_password(user, password or ""):
        hint = _register_failure(user, "wrong password")
        raise Unauthorized(_("用户名或密码错误。") + hint)
    if not user.active:
        with audit.acting_user(user):
            audit.record("login_refused", "users", user.id, success=False,
                         changes={"reason": "inactive"})
        raise Forbidden(_("账号已停用，请联系系统管理员。"))
    return user


def check_second_factor(user: User, code: str | None) -> None:
    """Second step: the TOTP code, when the user has enrolled one."""
    if not user.totp_secret:
        return
    if not code:
        raise SecondFactorRequired(_("请输入动态口令。"))
    if not pyotp.TOTP(user.totp_secret).verify(code.strip(), valid_window=1):
        hint = _register_failure(user, "wrong otp")
        raise Unauthorized(_("动态口令错误。") + hint)


def complete_login(user: User) -> None:
    with audit.acting_user(user):
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = clock.now()
        audit.record("login", "users", user.id)


def authenticate(username: str, password: str, otp: str | None) -> User:
    """Both steps at once (API tokens). The caller commits even when this raises."""
    user = check_password_step(username, password)
    check_second_factor(user, otp)
    if requires_second_factor(user) and not user.totp_secret:
        raise Forbidden(_("您的角色要求动态口令，请先登录网页绑定后再使用接口。"))
    complete_login(user)
    return user


# -- second factor ----------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    issuer = current_app.config["BUREAU_NAME"] + " 精准执法"
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def enable_totp(user: User, secret: str, code: str) -> None:
    if not pyotp.TOTP(secret).verify((code or "").strip(), valid_window=1):
        raise ValidationFailed(_("动态口令不正确"), errors={
            "code": [_("动态口令不正确，请核对手机上的时间后重试。")]})
    user.totp_secret = secret
    db.session.flush()
    audit.record("totp_enabled", "users", user.id)


def disable_totp(user: User) -> None:
    if requires_second_factor(user):
        raise Forbidden(_("您的角色要求动态口令，不能关闭。"))
    user.totp_secret = None
    db.session.flush()
    audit.record("totp_disabled", "users", user.id)


# -- API tokens -------------------------------------------------------------------------------

def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(user: User, client_ip: str | None) -> tuple[str, ApiToken]:
    raw = "pe_" + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(user_id=user.id, token_hash=_token_digest(raw), created_at=now,
                     expires_at=now + timedelta(hours=current_app.config["API_TOKEN_HOURS"]),
                     client_ip=client_ip)
    db.session.add(token)
    db.session.flush()
    return raw, token


@dataclass
class TokenCheck:
    token: ApiToken | None
    problem: str | None


def check_token(raw: str) -> TokenCheck:
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(raw)))
    if token is None:
        return TokenCheck(None, _("令牌无效。"))
    if token.revoked_at is not None:
        return TokenCheck(None, _("令牌已注销。"))
    if token.expires_at <= clock.now():
        return TokenCheck(None, _("令牌已过期，请重新获取。"))
    if not token.user.active:
        return TokenCheck(None, _("账号已停用。"))
    return TokenCheck(token, None)


def revoke_token(token: ApiToken) -> None:
    token.revoked_at = clock.now()
    db.session.flush()


def revoke_all_tokens(user: User) -> None:
    now = clock.now()
    for token in db.session.scalars(sa.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now)):
        token.revoked_at = now
    db.session.flush()


def session_expired(last_seen: datetime | None) -> bool:
    if last_seen is None:
        return False
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    return clock.now() - last_seen > idle

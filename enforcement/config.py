"""Configuration: every setting comes from the environment, with embedded defaults.

A deployment sets environment variables (or an ``instance/config.py``); nothing else is needed
for a county install, which runs on the embedded SQLite database.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"环境变量 {name} 必须是整数，当前为 {raw!r}") from exc


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgresql://`` spellings and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load(instance_path: Path) -> dict:
    """Build the configuration mapping for the app found at ``instance_path``."""
    env = os.environ.get
    database_url = env("DATABASE_URL") or f"sqlite:///{instance_path / 'enforcement.db'}"
    require_2fa = [r.strip() for r in (env("REQUIRE_2FA_FOR") or "").split(",") if r.strip()]
    return {
        "SECRET_KEY": _secret_key(instance_path),
        # key of personal data at rest (ID numbers); falls back to SECRET_KEY — set it so that
        # rotating SECRET_KEY does not make stored ID numbers unreadable
        "DATA_KEY": env("DATA_KEY") or None,
        # passphrase of the bureau CA's and signers' private keys (instance/pki/); falls back to
        # one derived from SECRET_KEY — production sets it
        "PKI_PASSPHRASE": env("PKI_PASSPHRASE") or None,
        # where the public verification page is reached (printed in the QR code of documents)
        "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL") or "",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env("REDIS_URL") or None,
        "STORAGE_DIR": env("STORAGE_DIR") or str(instance_path / "files"),
        "BUREAU_NAME": env("BUREAU_NAME") or "汶上县应急管理局",
        "BUREAU_ABBR": env("BUREAU_ABBR") or "汶",
        "TIMEZONE": env("TIMEZONE") or "Asia/Shanghai",
        # Security (等级保护 2.0 三级 parameters, DOMAIN.md §10.1)
        "REQUIRE_2FA_FOR": require_2fa,
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int("LOGIN_LOCK_MINUTES", 30),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "API_TOKEN_HOURS": _int("API_TOKEN_HOURS", 12),
        "LOGIN_RATE_LIMIT": env("LOGIN_RATE_LIMIT") or "30 per minute",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE")),
        "SESSION_COOKIE_NAME": "pe_session",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the (idle-limited) session
        # Limiter: memory by default, Redis when configured.
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or env("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # i18n
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": env("TIMEZONE") or "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "简体中文", "en": "English"},
        # API (flask-smorest)
        "API_TITLE": "精准执法 Precision Enforcement API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "POST /api/v1/auth/tokens 获取令牌"}}},
            "info": {"description": "精准执法案件管理系统 REST API v1。错误为 "
                                    "application/problem+json；列表分页见 X-Pagination 头。"},
        },
        "JSON_SORT_KEYS": False,
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 210 * 1024 * 1024),
        "DEMO_PASSWORD": env("DEMO_PASSWORD") or None,
        # Mail for notifications: off unless SMTP_HOST is set.
        "SMTP_HOST": env("SMTP_HOST") or None,
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USER": env("SMTP_USER") or None,
        "SMTP_PASSWORD": env("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(env("SMTP_STARTTLS")),
        "MAIL_FROM": env("MAIL_FROM") or "noreply@localhost",
        # Behind one reverse proxy (nginx): trust its X-Forwarded-For/-Proto.
        "PROXY_FIX": _bool(env("PROXY_FIX")),
    }

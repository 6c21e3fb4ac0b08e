"""Personal data encrypted at rest (个人信息保护法 第五十一条; 等级保护 2.0 数据保密性).

A citizen's ID number (身份证号) is stored only as AES-256-GCM ciphertext, with a key derived by
HKDF-SHA256 from ``DATA_KEY`` (configuration; falls back to ``SECRET_KEY``), and shown masked in
lists. The stored text is ``v1:<base64(nonce ‖ ciphertext)>``; the version prefix lets the key or
cipher change later without guessing.
"""

from __future__ import annotations

import base64
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_PREFIX = "v1:"
_ID_18 = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _key() -> bytes:
    secret = current_app.config.get("DATA_KEY") or current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"precision-enforcement",
                info=b"personal-data v1").derive(secret)


def encrypt(text: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, text.encode(), b"pe")
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    raw = base64.b64decode(token[len(_PREFIX):])
    return AESGCM(_key()).decrypt(raw[:12], raw[12:], b"pe").decode()


def normalize_id_number(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def id_number_valid(value: str) -> bool:
    """An 18-digit 公民身份号码 with its GB 11643-1999 check digit."""
    if not _ID_18.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == value[17]


def mask_id_number(value: str) -> str:
    """370830********123X — region kept, birth date and sequence hidden, last four shown."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(name: str) -> str:
    """张*明 / 李* — for public pages (行政执法公示 masks a natural person's name)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]

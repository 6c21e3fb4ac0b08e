"""The bureau's own certificate authority, its certificates, and PAdES signing and validation.

Everything lives in files under ``<instance>/pki/`` (no database tables; the Document model keeps
what was signed)::

    ca.key.pem  ca.cert.pem              the CA (执法文书CA): self-signed, EC P-256, 10 years
    bureau.key.pem  bureau.cert.pem      the bureau's document-signing certificate (电子公章)
    users/<username>.key.pem  .cert.pem  one per reviewer (or leader) who signs documents
    revoked.txt                          revoked certificates: serial, username, time, reason
    archive/<UTC time>/                  what ``init --force`` or a renewal replaced

Private keys are encrypted PKCS#8 (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC) with the passphrase
from the app config ``PKI_PASSPHRASE``. When that is not set the passphrase is derived from
``SECRET_KEY`` with HKDF, which ties the keys to the secret key: **production must set
PKI_PASSPHRASE** (and keep it, with a backup of the ``pki/`` folder, outside the server).
Outside an app context pass ``pki_dir=`` and ``passphrase=`` explicitly (or set the environment
variable ``PKI_PASSPHRASE``).

Signatures are PAdES B-B (no timestamp server is reachable offline), SHA-256, each one an
incremental update, so a document can be signed by the reviewer and then by the bureau.
``sign_pdf`` signs invisibly (the visible signature block and seal are drawn in the page by the
renderer); ``issue_pdf`` applies the bureau's signature at issue time as a *visible* one whose
appearance shows the document number, the verification code and a QR code of the verification
URL, in a box the layout leaves blank (``ISSUE_BOX``): the page content, covered by the
reviewer's signature, cannot change any more when the number is taken.
pyHanko refuses certificates without the nonRepudiation key usage; ours have it.

Certificate checks use the real time, not ``core.clock``: pyHanko stamps and validates with the
real time, and a frozen test clock must not make a fresh certificate look expired.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, LayoutError, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import QRStamp, QRStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError
from pyhanko_certvalidator.registry import SimpleCertificateStore

DEFAULT_BUREAU_NAME = "汶上县应急管理局"
CA_YEARS = 10
CERT_YEARS = 3
BACKDATE = timedelta(minutes=5)  # tolerate small clock differences between machines
# RFC 9336 id-kp-documentSigning; pyHanko accepts it next to emailProtection
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
_HKDF_SALT = b"enforcement/documents/pki"
_HKDF_INFO = b"private key passphrase derived from SECRET_KEY"


class PkiError(RuntimeError):
    """The PKI cannot do what was asked; the message says why and what to run."""


# -- locations and secrets --------------------------------------------------------------------

def _dir(pki_dir: Path | str | None) -> Path:
    if pki_dir is not None:
        return Path(pki_dir)
    from flask import current_app, has_app_context

    if not has_app_context():
        raise PkiError("没有应用上下文：请传入 pki_dir（no app context: pass pki_dir）")
    return Path(current_app.instance_path) / "pki"


def _passphrase(passphrase: str | bytes | None) -> bytes:
    """Explicit → app config PKI_PASSPHRASE → HKDF(SECRET_KEY) → environment PKI_PASSPHRASE."""
    if passphrase is None:
        from flask import current_app, has_app_context

        if has_app_context():
            passphrase = current_app.config.get("PKI_PASSPHRASE")
            if passphrase is None:
                secret = current_app.config.get("SECRET_KEY")
                if secret:
                    return derive_passphrase(secret)
        if passphrase is None:
            passphrase = os.environ.get("PKI_PASSPHRASE")
    if not passphrase:
        raise PkiError("没有私钥口令：请在配置中设置 PKI_PASSPHRASE"
                       "（no PKI passphrase configured）")
    return passphrase.encode() if isinstance(passphrase, str) else bytes(passphrase)


def derive_passphrase(secret_key: str | bytes) -> bytes:
    """The key passphrase used when PKI_PASSPHRASE is not set (development, tests)."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    return hkdf.derive(material).hex().encode()


def _bureau_name(bureau_name: str | None) -> str:
    if bureau_name:
        return bureau_name
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get("BUREAU_NAME") or DEFAULT_BUREAU_NAME
    return DEFAULT_BUREAU_NAME


def _paths(root: Path) -> dict[str, Path]:
    return {"ca_key": root / "ca.key.pem", "ca_cert": root / "ca.cert.pem",
            "bureau_key": root / "bureau.key.pem", "bureau_cert": root / "bureau.cert.pem",
            "users": root / "users", "revoked": root / "revoked.txt", "archive": root / "archive"}


def _user_paths(root: Path, username: str) -> tuple[Path, Path]:
    if not username or "/" in username or "\\" in username or username.startswith("."):
        raise PkiError(f"用户名不合法：{username!r}")
    users = root / "users"
    return users / f"{username}.key.pem", users / f"{username}.cert.pem"


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write atomically; private keys readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _now() -> datetime:
    return datetime.now(UTC)


# -- keys and certificates --------------------------------------------------------------------

def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as printed by openssl: ``AB:CD:…``."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def _key_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase))


def _load_key(path: Path, passphrase: bytes) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    except (ValueError, TypeError) as exc:
        raise PkiError(f"无法解密私钥 {path.name}：口令不对？PKI_PASSPHRASE 或 SECRET_KEY 是否改过"
                       f"（cannot decrypt {path.name}: wrong passphrase）") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{path.name} 不是 EC 私钥")
    return key


def _load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False)


def _make_ca(bureau: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, bureau),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{bureau} 执法文书CA"),
    ])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=365 * CA_YEARS + CA_YEARS // 4))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_end_entity(subject: x509.Name, ca_key: ec.EllipticCurvePrivateKey,
                     ca_cert: x509.Certificate) -> tuple[ec.EllipticCurvePrivateKey,
                                                         x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    not_after = min(now + timedelta(days=365 * CERT_YEARS + 1), ca_cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING,
                                              ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _describe(cert: x509.Certificate) -> dict:
    return {"subject": cert.subject.rfc4514_string(), "common_name": _common_name(cert),
            "serial": format(cert.serial_number, "x"), "sha256": fingerprint(cert),
            "not_before": cert.not_valid_before_utc, "not_after": cert.not_valid_after_utc}


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _uid(cert: x509.Certificate) -> str | None:
    names = cert.subject.get_attributes_for_oid(NameOID.USER_ID)
    return str(names[0].value) if names else None


def _archive(root: Path, files: list[Path]) -> Path | None:
    present = [f for f in files if f.exists()]
    if not present:
        return None
    target = _paths(root)["archive"] / _now().strftime("%Y%m%dT%H%M%S%fZ")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    for f in present:
        os.replace(f, target / (f.name if f.parent == root else f"{f.parent.name}-{f.name}"))
    return target


# -- the CA -----------------------------------------------------------------------------------

def is_initialised(pki_dir: Path | None = None) -> bool:
    p = _paths(_dir(pki_dir))
    return p["ca_cert"].exists() and p["ca_key"].exists()


def init_ca(pki_dir: Path | None = None, *, bureau_name: str | None = None, force: bool = False,
            passphrase: str | bytes | None = None) -> dict:
    """Create the CA and the bureau's document-signing certificate; return their fingerprints.

    Refuses when a CA exists, unless ``force``: then the old CA, the bureau's and every user's
    files move to ``archive/<time>/`` and every reviewer needs a new certificate (documents
    signed under the old CA stay intact but no longer chain to the trusted root).
    """
    root = _dir(pki_dir)
    p = _paths(root)
    if (p["ca_cert"].exists() or p["ca_key"].exists()) and not force:
        raise PkiError(f"CA 已存在（{p['ca_cert']}）；重建会使全部审核人员证书失效，"
                       "确需重建请运行 `flask pki init --force`（CA already initialised）")
    secret = _passphrase(passphrase)
    bureau = _bureau_name(bureau_name)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    archived = None
    if force:
        old = [p["ca_key"], p["ca_cert"], p["bureau_key"], p["bureau_cert"], p["revoked"]]
        if p["users"].exists():
            old += sorted(p["users"].glob("*.pem"))
        archived = _archive(root, old)
    ca_key, ca_cert = _make_ca(bureau)
    bureau_key, bureau_cert = _make_end_entity(x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, bureau),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{bureau} 电子公章"),
    ]), ca_key, ca_cert)
    _write(p["ca_key"], _key_pem(ca_key, secret), private=True)
    _write(p["ca_cert"], ca_cert.public_bytes(serialization.Encoding.PEM))
    _write(p["bureau_key"], _key_pem(bureau_key, secret), private=True)
    _write(p["bureau_cert"], bureau_cert.public_bytes(serialization.Encoding.PEM))
    p["users"].mkdir(exist_ok=True, mode=0o700)
    return {"ca": _describe(ca_cert), "bureau": _describe(bureau_cert),
            "archived": str(archived) if archived else None}


def _require_ca(root: Path) -> x509.Certificate:
    p = _paths(root)
    if not p["ca_cert"].exists():
        raise PkiError("电子签名 CA 尚未初始化，请先运行 `flask pki init`"
                       "（CA not initialised — run `flask pki init`）")
    return _load_cert(p["ca_cert"])


def ca_certificate_pem(pki_dir: Path | None = None) -> bytes:
    """The CA certificate (PEM), for the verify page and for importing into PDF readers."""
    root = _dir(pki_dir)
    _require_ca(root)
    return _paths(root)["ca_cert"].read_bytes()


# -- users ------------------------------------------------------------------------------------

def _revocations(root: Path) -> dict[int, dict]:
    """serial → {username, at, reason} from revoked.txt (tab-separated lines)."""
    path = _paths(root)["revoked"]
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        serial, username, at, *reason = line.split("\t")
        entries[int(serial, 16)] = {"username": username, "at": datetime.fromisoformat(at),
                                    "reason": reason[0] if reason else ""}
    return entries


def _status(cert: x509.Certificate, revoked: dict[int, dict]) -> str:
    if cert.serial_number in revoked:
        return "revoked"
    if cert.not_valid_after_utc <= _now():
        return "expired"
    return "valid"


def has_certificate(username: str, pki_dir: Path | None = None) -> bool:
    """Whether ``username`` holds a certificate that can sign now (present, not revoked or
    expired)."""
    root = _dir(pki_dir)
    key_path, cert_path = _user_paths(root, username)
    if not (key_path.exists() and cert_path.exists()):
        return False
    return _status(_load_cert(cert_path), _revocations(root)) == "valid"


def issue_user(username: str, display_name: str, pki_dir: Path | None = None, *,
               renew: bool = False, passphrase: str | bytes | None = None) -> dict:
    """Issue a signing certificate (CN = display name, UID = username) for a reviewer.

    Refuses when the user already holds a valid certificate unless ``renew``; a revoked or
    expired one is replaced. The replaced certificate moves to ``archive/``.
    """
    root = _dir(pki_dir)
    ca_cert = _require_ca(root)
    p = _paths(root)
    key_path, cert_path = _user_paths(root, username)
    if not display_name or not display_name.strip():
        raise PkiError("证书需要姓名（display name required）")
    if cert_path.exists() and not renew:
        current = _load_cert(cert_path)
        if _status(current, _revocations(root)) == "valid":
            raise PkiError(f"{username} 已有有效证书（有效期至 "
                           f"{current.not_valid_after_utc:%Y-%m-%d}）；更换请运行 "
                           f"`flask pki issue {username} --renew`（certificate exists）")
    secret = _passphrase(passphrase)
    ca_key = _load_key(p["ca_key"], secret)
    bureau = ca_cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    subject = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if bureau:
        subject.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(bureau[0].value)))
    subject += [x509.NameAttribute(NameOID.COMMON_NAME, display_name.strip()),
                x509.NameAttribute(NameOID.USER_ID, username)]
    key, cert = _make_end_entity(x509.Name(subject), ca_key, ca_cert)
    _archive(root, [key_path, cert_path])
    _write(key_path, _key_pem(key, secret), private=True)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return {"username": username, **_describe(cert)}


def revoke(username: str, pki_dir: Path | None = None, *, reason: str = "") -> None:
    """Revoke the user's current certificate: it can no longer sign. Signatures it made before
    stay valid (validate_pdf reports the revocation)."""
    root = _dir(pki_dir)
    _require_ca(root)
    _, cert_path = _user_paths(root, username)
    if not cert_path.exists():
        raise PkiError(f"审核人员 {username} 没有证书（no certificate for {username}）")
    cert = _load_cert(cert_path)
    if cert.serial_number in _revocations(root):
        raise PkiError(f"{username} 的证书已吊销（already revoked）")
    line = "\t".join([format(cert.serial_number, "x"), username, _now().isoformat(),
                      " ".join(reason.split())])
    path = _paths(root)["revoked"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def list_certificates(pki_dir: Path | None = None) -> dict:
    """The CA, the bureau's certificate and every user's, with status valid/revoked/expired."""
    root = _dir(pki_dir)
    ca_cert = _require_ca(root)
    p = _paths(root)
    revoked = _revocations(root)
    bureau = None
    if p["bureau_cert"].exists():
        cert = _load_cert(p["bureau_cert"])
        bureau = {**_describe(cert), "status": _status(cert, revoked)}
    users = []
    if p["users"].exists():
        for cert_path in sorted(p["users"].glob("*.cert.pem")):
            cert = _load_cert(cert_path)
            users.append({"username": cert_path.name.removesuffix(".cert.pem"),
                          **_describe(cert), "status": _status(cert, revoked),
                          "revoked": revoked.get(cert.serial_number)})
    return {"ca": {**_describe(ca_cert), "status": _status(ca_cert, revoked)},
            "bureau": bureau, "users": users}


# -- signing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Signer:
    """A key and certificate ready to sign, with the CA chain (a pyHanko SimpleSigner)."""

    kind: str                     # "user" (a reviewer or leader) or "bureau"
    username: str | None
    display_name: str
    certificate: x509.Certificate
    ca_certificate: x509.Certificate
    pki_dir: Path
    simple_signer: signers.SimpleSigner = field(repr=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    @property
    def serial(self) -> str:
        return format(self.certificate.serial_number, "x")


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def make_signer(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
                ca_cert: x509.Certificate, *, kind: str, username: str | None,
                pki_dir: Path) -> Signer:
    """Wrap key material in a Signer (no checks: user_signer/bureau_signer do those)."""
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    simple = signers.SimpleSigner(
        signing_cert=_asn1_cert(cert), signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(ca_cert)]))
    return Signer(kind=kind, username=username, display_name=_common_name(cert),
                  certificate=cert, ca_certificate=ca_cert, pki_dir=pki_dir,
                  simple_signer=simple)


def _check_usable(cert: x509.Certificate, ca_cert: x509.Certificate, who: str, command: str,
                  revoked: dict[int, dict]) -> None:
    if cert.serial_number in revoked:
        entry = revoked[cert.serial_number]
        raise PkiError(f"{who}的证书已于 {entry['at']:%Y-%m-%d %H:%M} 吊销，不能签名；"
                       f"请运行 `{command}` 重新签发（certificate revoked）")
    if cert.not_valid_after_utc <= _now():
        raise PkiError(f"{who}的证书已于 {cert.not_valid_after_utc:%Y-%m-%d} 过期，不能签名；"
                       f"请运行 `{command}` 重新签发（certificate expired）")
    if ca_cert.not_valid_after_utc <= _now():
        raise PkiError("CA 证书已过期，请运行 `flask pki init --force`（CA expired）")
    if cert.issuer != ca_cert.subject:
        raise PkiError(f"{who}的证书不是本局 CA 签发的；请运行 `{command}`（foreign issuer）")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        non_repudiation = usage.content_commitment
    except x509.ExtensionNotFound:
        non_repudiation = False
    if not non_repudiation:
        raise PkiError(f"{who}的证书缺少“不可否认”（nonRepudiation）密钥用途，不能用于签署文书"
                       f"（certificate lacks nonRepudiation）；请运行 `{command}`")


def user_signer(username: str, pki_dir: Path | None = None, *,
                passphrase: str | bytes | None = None) -> Signer:
    """The signer for a reviewer; PkiError if there is no usable certificate."""
    root = _dir(pki_dir)
    ca_cert = _require_ca(root)
    key_path, cert_path = _user_paths(root, username)
    command = f"flask pki issue {username}"
    if not (key_path.exists() and cert_path.exists()):
        raise PkiError(f"审核人员 {username} 没有签名证书，请运行 `{command}`"
                       f"（no certificate for reviewer {username} — run `{command}`）")
    cert = _load_cert(cert_path)
    _check_usable(cert, ca_cert, f"审核人员 {username} ", command, _revocations(root))
    key = _load_key(key_path, _passphrase(passphrase))
    return make_signer(key, cert, ca_cert, kind="user", username=username, pki_dir=root)


def bureau_signer(pki_dir: Path | None = None, *,
                  passphrase: str | bytes | None = None) -> Signer:
    """The signer for the bureau's own document signature (applied when a document is issued)."""
    root = _dir(pki_dir)
    ca_cert = _require_ca(root)
    p = _paths(root)
    if not (p["bureau_key"].exists() and p["bureau_cert"].exists()):
        raise PkiError("本局电子公章证书缺失，请运行 `flask pki init --force`"
                       "（bureau certificate missing）")
    cert = _load_cert(p["bureau_cert"])
    _check_usable(cert, ca_cert, "本局电子公章", "flask pki init --force", _revocations(root))
    key = _load_key(p["bureau_key"], _passphrase(passphrase))
    return make_signer(key, cert, ca_cert, kind="bureau", username=None, pki_dir=root)


def sign_pdf(pdf: bytes, signer: Signer, *, field_name: str, reason: str, location: str = "",
             name: str | None = None) -> bytes:
    """Apply an invisible PAdES B-B signature (SHA-256) as an incremental update.

    pyHanko validates the certificate against our CA before signing (chain, validity,
    nonRepudiation); a refusal becomes a PkiError.
    """
    return _sign(pdf, signer, field_name=field_name, reason=reason, location=location,
                 name=name)


def _sign(pdf: bytes, signer: Signer, *, field_name: str, reason: str, location: str,
          name: str | None, stamp_style=None, field_spec: fields.SigFieldSpec | None = None,
          text_params: dict | None = None) -> bytes:
    """sign_pdf and issue_pdf: one PAdES B-B signature as an incremental update; a visible one
    when ``field_spec`` has a box (its appearance drawn by ``stamp_style``)."""
    revoked = _revocations(signer.pki_dir)
    if signer.certificate.serial_number in revoked:
        raise PkiError(f"{signer.display_name} 的证书已吊销，不能签名（certificate revoked）")
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise PkiError(f"无法读取要签名的 PDF：{exc}（cannot parse the PDF）") from exc
    ca = _asn1_cert(signer.ca_certificate)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, reason=reason or None, location=location or None, name=name,
        md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        validation_context=ValidationContext(trust_roots=[ca]),
        signer_key_usage={"non_repudiation"})
    try:
        pdf_signer = signers.PdfSigner(meta, signer=signer.simple_signer,
                                       stamp_style=stamp_style, new_field_spec=field_spec)
        out = pdf_signer.sign_pdf(writer, appearance_text_params=text_params)
    except (SigningError, ValidationError, PathError) as exc:
        detail = "; ".join(str(e) for e in _causes(exc))
        try:
            usage = signer.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
            lacks = not usage.content_commitment
        except x509.ExtensionNotFound:
            lacks = True
        if lacks:
            raise PkiError(f"{signer.display_name} 的证书缺少“不可否认”（nonRepudiation）密钥用途，"
                           f"pyHanko 拒绝签名（certificate lacks nonRepudiation: {detail}）"
                           ) from exc
        raise PkiError(f"签名失败：{detail}（signing refused）") from exc
    except (PdfError, LayoutError) as exc:
        raise PkiError(f"签名失败：{exc}（signing failed）") from exc
    return out.getvalue()


def _causes(exc: BaseException) -> list[BaseException]:
    chain = []
    while exc is not None and len(chain) < 5:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


# -- issuing: the bureau's visible signature with number, code and QR code ---------------------
#
# The reviewer signs the rendered document first; its number is taken only when it is issued,
# after that signature, so the page content can no longer change. The number, the verification
# code and a QR code of the public verification URL therefore live in the appearance of the
# bureau's (visible) signature, drawn into a box the HTML layout leaves empty on page 1.

ISSUE_BOX: tuple[float, float, float, float] = (344, 656, 524, 718)
"""Default box of the issue stamp: PDF points (x1, y1, x2, y2), origin bottom left, page 1.

On A4 (595.28 × 841.89 pt) that is 63.5 × 21.9 mm (180 × 62 pt) whose right edge lies on the
form page's 25 mm right margin (524.4 pt) and whose top is 43.8 mm below the top edge of the
sheet: under the form header (agency and title), on the right. The QR code fills the height
(about 20 mm), the number and the code stand to its right. The layout must leave the box
blank. Coordinates are rounded to whole points (pyHanko sizes the appearance in whole points).
"""
ISSUE_STAMP_TEXT = "%(number)s\n验证码 %(code)s"
ISSUE_FONT_SIZE = 10
# Most complete first: the whole Noto Sans CJK SC face when it is there, else a GB 2312 subset
# (which holds every character of a document number and of a verification code). Any other
# .otf in static/fonts is considered too; the face with the most characters wins.
ISSUE_FONT_NAMES = ("NotoSansCJKsc-Regular.otf", "NotoSerifCJKsc-Regular-GB2312.otf",
                    "NotoSansCJKsc-Bold-GB2312.otf", "NotoSerifCJKsc-Bold-GB2312.otf")
# Always kept in the per-stamp font subset, so stamps that differ only in digits, letters or
# the serial number share one cached subset.
_STAMP_BASE_CHARS = frozenset(map(chr, range(0x20, 0x7F))) | frozenset("〔〕［］（）号第验证码")
_QR_BORDER = 2  # quiet zone in modules; the box around the stamp is blank page anyway


class _IssueQRStamp(QRStamp):
    """pyHanko's QR stamp, with the symbol drawn by segno (a dependency already, used by the
    renderer) instead of the optional ``qrcode`` package pyHanko imports for it."""

    def _qr_xobject(self):
        import segno
        from pyhanko.pdf_utils.writer import init_xobject_dictionary

        rows = segno.make_qr(self.url, error="m").matrix
        size = len(rows) + 2 * _QR_BORDER
        ops = [b"0 g"]
        for r, row in enumerate(rows):
            y = size - _QR_BORDER - r - 1
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                ops.append(b"%d %d %d 1 re" % (start + _QR_BORDER, y, c - start))
        ops.append(b"f")  # one path, one fill: no seams between neighbouring modules
        xobject = init_xobject_dictionary(b"\n".join(ops), size, size)
        xobject.compress()
        return self.writer.add_object(xobject), size


class _IssueStampStyle(QRStampStyle):
    def create_stamp(self, writer, box, text_params):
        params = dict(text_params)
        try:
            url = params.pop("url")
        except KeyError:
            raise LayoutError("the issue stamp needs a 'url' text parameter") from None
        return _IssueQRStamp(writer, style=self, url=url, text_params=params, box=box)


@dataclass(frozen=True)
class _StampFont:
    path: Path
    codepoints: frozenset[int]


_stamp_font: _StampFont | None = None
_stamp_font_lock = threading.Lock()


def _fonts_dir() -> Path:
    from enforcement import ROOT

    return ROOT / "static" / "fonts"


def _issue_font() -> _StampFont:
    """The stamp font (the most complete CJK face in static/fonts) and its cmap, read once per
    process."""
    global _stamp_font
    if _stamp_font is None:
        with _stamp_font_lock:
            if _stamp_font is None:
                _stamp_font = _pick_font(_fonts_dir())
    return _stamp_font


def _pick_font(folder: Path) -> _StampFont:
    from fontTools.ttLib import TTFont

    candidates = [folder / name for name in ISSUE_FONT_NAMES if (folder / name).is_file()]
    candidates += sorted(p for p in folder.glob("*.otf") if p not in candidates)
    best: _StampFont | None = None
    for path in candidates:  # most characters wins; ties go to the earlier (preferred) name
        with TTFont(path, lazy=True) as font:
            codepoints = frozenset(font.getBestCmap())
        if best is None or len(codepoints) > len(best.codepoints):
            best = _StampFont(path, codepoints)
    if best is None:
        raise PkiError(f"没有可用于签发章的中文字体（{folder} 下没有 .otf 文件）"
                       "（no CJK font for the issue stamp）")
    return best


def issue_font_path() -> Path:
    """The font file the issue stamp is drawn with."""
    return _issue_font().path


@lru_cache(maxsize=64)
def _font_subset(path: str, chars: str) -> bytes:
    """``path`` cut down to ``chars``: pyHanko subsets the font it is given on every stamp, and
    for the complete 13 MB face that alone takes ~0.6 s; for this small subset a few ms."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.hinting = False
    with TTFont(path, lazy=True) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        out = BytesIO()
        font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class _SubsetFontFactory(FontEngineFactory):
    """pyHanko's GlyphAccumulatorFactory, with the font read from memory (a cached subset of
    the stamp font) instead of from its file."""

    font_bytes: bytes = field(repr=False)
    font_size: int = ISSUE_FONT_SIZE

    def create_font_engine(self, writer, obj_stream=None):
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=BytesIO(self.font_bytes),
                                font_size=self.font_size, obj_stream=obj_stream)


# The text right of the QR code, 8 pt from it (pyHanko's default is 10 pt on every side).
_TEXT_LAYOUT = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MIN,
                                   y_align=AxisAlignment.ALIGN_MID, margins=Margins(left=8))


def _stamp_style(font: _StampFont, text: str) -> _IssueStampStyle:
    chars = (frozenset(text) | _STAMP_BASE_CHARS) - {"\n"}
    chars = "".join(sorted(ch for ch in chars if ord(ch) in font.codepoints))
    factory = _SubsetFontFactory(_font_subset(str(font.path), chars))
    return _IssueStampStyle(
        stamp_text=ISSUE_STAMP_TEXT, border_width=0, background=None, innsep=3,
        text_box_style=TextBoxStyle(font=factory, font_size=ISSUE_FONT_SIZE,
                                    leading=round(ISSUE_FONT_SIZE * 1.5), border_width=0,
                                    box_layout_rule=_TEXT_LAYOUT))


def _stamp_value(label: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise PkiError(f"签发章缺少{label}（{label} required）")
    if any(ch in value for ch in "\r\n\t\v\f\x00"):
        raise PkiError(f"签发章的{label}不能含换行或控制字符：{value!r}")
    return value


def issue_pdf(pdf: bytes, signer: Signer, *, number: str, code: str, url: str,
              box: tuple[float, float, float, float] = ISSUE_BOX, page: int = 0,
              reason: str = "签发", location: str = "", field_name: str = "bureau-issue") -> bytes:
    """Issue a signed document: the bureau's visible PAdES B-B signature (an incremental update)
    whose appearance shows ``number``, the verification ``code`` and a QR code of ``url``.

    ``box`` is (x1, y1, x2, y2) in PDF points, origin at the bottom left of page ``page``
    (0-based); see ISSUE_BOX. Earlier signatures stay valid: the update adds only the signature
    field with its widget, appearance and font. Raises PkiError, before anything is signed, when
    a character of the stamp text is missing from the stamp font (naming it), for an empty
    value, a bad box or page, a field name already in use, or a refused signer.
    """
    number = _stamp_value("文号", number)
    code = _stamp_value("验证码", code)
    url = _stamp_value("核验网址", url)
    try:
        x1, y1, x2, y2 = (round(float(v)) for v in box)
    except (TypeError, ValueError) as exc:
        raise PkiError(f"签发章位置不合法：{box!r}（box must be x1, y1, x2, y2）") from exc
    if x2 - x1 < 60 or y2 - y1 < 30:
        raise PkiError(f"签发章区域太小或坐标颠倒：{box!r}（需 x2−x1 ≥ 60 pt，y2−y1 ≥ 30 pt）")
    font = _issue_font()
    text = ISSUE_STAMP_TEXT % {"number": number, "code": code}
    missing = sorted({ch for ch in text if ch != "\n" and ord(ch) not in font.codepoints})
    if missing:
        names = "、".join(f"“{ch}”(U+{ord(ch):04X})" for ch in missing)
        raise PkiError(f"签发章字体 {font.path.name} 缺少字符 {names}，无法签发"
                       f"（character missing from the stamp font: {names}）")
    try:
        pages = int(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"])
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise PkiError(f"无法读取要签发的 PDF：{exc}（cannot parse the PDF）") from exc
    if not 0 <= page < pages:
        raise PkiError(f"签发章页码 {page} 超出范围（文书共 {pages} 页，页码从 0 起）")
    spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=(x1, y1, x2, y2))
    return _sign(pdf, signer, field_name=field_name, reason=reason, location=location,
                 name=None, stamp_style=_stamp_style(font, text), field_spec=spec,
                 text_params={"url": url, "number": number, "code": code})


# -- validation -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str                   # the certificate's common name
    signed_at: datetime | None    # the time the signer claims (B-B has no timestamp token)
    intact: bool                  # the signed bytes are unchanged
    valid: bool                   # intact, the signature verifies, later updates are allowed
    trusted: bool                 # the certificate chains to our CA and was valid when signing
    covers_whole_file: bool       # nothing at all was appended after this signature
    message: str
    username: str | None = None   # the certificate's UID (None for the bureau's certificate)
    revoked: bool = False         # the certificate is listed in revoked.txt
    certificate_sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.revoked


def validate_pdf(pdf: bytes, pki_dir: Path | None = None) -> list[SignatureCheck]:
    """Check every signature in ``pdf`` with pyHanko, trusting only the bureau's CA.

    A changed byte inside a signed range makes that signature not intact; anything appended
    after the last signature makes ``covers_whole_file`` False; an appended revision that
    changes more than form fields (e.g. page content) makes earlier signatures not valid, while
    one that only adds a signature (issue_pdf's visible stamp adds a field, its widget, its
    appearance and font) keeps them valid: "其后有追加的签名". When the last signature does not
    cover the whole file, every message says that unsigned content follows it.
    The certificate is checked at the signing time the signature states, so documents stay
    verifiable after a reviewer's certificate has expired; a revocation is reported and makes
    ``trusted`` False only for signatures stated to be made after it.
    A file that does not parse as a PDF raises PkiError; an unsigned PDF gives [].
    """
    root = _dir(pki_dir)
    ca = _asn1_cert(_require_ca(root))
    revoked = _revocations(root)
    try:
        reader = PdfFileReader(BytesIO(pdf))
        embedded = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise PkiError(f"不是可解析的 PDF 文件：{exc}（not a readable PDF）") from exc
    checks = [_check_one(sig, ca, revoked, last=i == len(embedded) - 1)
              for i, sig in enumerate(embedded)]
    if checks and not checks[-1].covers_whole_file:
        # Whatever follows the last signature is signed by nobody, so "a signature was added
        # later" is not the whole story for the earlier ones either (an unsigned signature
        # field, for one, passes pyHanko's form-filling rules yet can paint over the page).
        note = "最后一个签名之后有未经签名的追加内容"
        checks[:-1] = [replace(c, message=f"{c.message}；{note}") if c.intact else c
                       for c in checks[:-1]]
    return checks


def _check_one(sig, ca: asn1_x509.Certificate, revoked: dict[int, dict], *,
               last: bool = True) -> SignatureCheck:
    name = sig.field_name
    try:
        cert = x509.load_der_x509_certificate(sig.signer_cert.dump())
    except Exception as exc:  # a broken CMS blob is a finding, not a crash
        return SignatureCheck(name, "", None, False, False, False, False,
                              f"签名数据无法读取：{exc}")
    signed_at = sig.self_reported_timestamp
    moment = signed_at or _now()
    try:
        status = validate_pdf_signature(
            sig, ValidationContext(trust_roots=[ca], moment=moment))
    except Exception as exc:  # report any failure of one signature, go on
        return SignatureCheck(name, _common_name(cert), signed_at, False, False, False, False,
                              f"签名校验出错：{exc}", username=_uid(cert),
                              certificate_sha256=fingerprint(cert))
    intact = bool(status.intact)
    valid = intact and bool(status.valid) and status.docmdp_ok is not False
    trusted = bool(status.trusted)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    entry = revoked.get(cert.serial_number)
    notes = []
    if not intact:
        notes.append("签名后文件内容被改动（摘要不符）")
    elif not status.valid:
        notes.append("签名值校验失败")
    elif status.docmdp_ok is False:
        notes.append("签名后追加的修订改动了文书内容")
    if intact and not trusted:
        notes.append("证书不是本局 CA 签发或签名时不在有效期内")
    if entry is not None:
        after = signed_at is None or signed_at >= entry["at"]
        if after:
            trusted = False
        notes.append(f"证书已于 {entry['at']:%Y-%m-%d %H:%M} 吊销"
                     + ("，签名在吊销之后" if after else "，签名在吊销之前"))
    if valid and not whole:
        level = status.modification_level
        if not last and level is not None and level.name in ("FORM_FILLING", "LTA_UPDATES"):
            notes.append("其后有追加的签名")
        else:
            notes.append("签名后文件被追加了内容")
    if not notes:
        notes.append("签名有效，文件自签名后未被改动")
    return SignatureCheck(name, _common_name(cert), signed_at, intact, valid, trusted, whole,
                          "；".join(notes), username=_uid(cert), revoked=entry is not None,
                          certificate_sha256=fingerprint(cert))

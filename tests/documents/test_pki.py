"""The bureau's CA, reviewers' certificates, PAdES signing and validation (pyHanko and pdfsig).

Pure tests use a fresh ``pki_dir`` under ``tmp_path`` and an explicit passphrase; only the CLI
test needs the app (its instance folder is pointed at ``tmp_path``).
"""

from __future__ import annotations

import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from enforcement.core.audit import AuditEvent
from enforcement.documents import pki, pki_cli
from enforcement.extensions import db
from tests.documents.pdfcheck import content_stream_offset, run_pdfsig, validations

PASS = "test-pki-passphrase"


@pytest.fixture(scope="module")
def plain_pdf() -> bytes:
    import weasyprint

    return weasyprint.HTML(string="<p>test 测试</p>").write_pdf()


@pytest.fixture
def pki_dir(tmp_path):
    path = tmp_path / "pki"
    pki.init_ca(path, passphrase=PASS)
    pki.issue_user("reviewer1", "李审核", path, passphrase=PASS)
    return path


@pytest.fixture
def signed(pki_dir, plain_pdf) -> bytes:
    """Signed by the reviewer, then by the bureau (as at issue time)."""
    reviewer = pki.user_signer("reviewer1", pki_dir, passphrase=PASS)
    once = pki.sign_pdf(plain_pdf, reviewer, field_name="reviewer", reason="法制审核",
                        location="汶上县")
    return pki.sign_pdf(once, pki.bureau_signer(pki_dir, passphrase=PASS),
                        field_name="bureau", reason="签发", location="汶上县")


def ca_key(pki_dir) -> ec.EllipticCurvePrivateKey:
    return serialization.load_pem_private_key((pki_dir / "ca.key.pem").read_bytes(),
                                              password=PASS.encode())


def store_user_cert(pki_dir, username: str, *, non_repudiation=True, days=(-1, 365)):
    """Write a certificate made by hand (signed by our CA) into the user folder."""
    ca_cert = x509.load_pem_x509_certificate((pki_dir / "ca.cert.pem").read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "手工证书"),
                                 x509.NameAttribute(NameOID.USER_ID, username)]))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=non_repudiation, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .sign(ca_key(pki_dir), hashes.SHA256())
    )
    users = pki_dir / "users"
    (users / f"{username}.key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASS.encode())))
    (users / f"{username}.cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, ca_cert


# -- the CA and certificates ------------------------------------------------------------------

def test_init_creates_encrypted_ca_and_refuses_a_second_init(tmp_path):
    root = tmp_path / "pki"
    result = pki.init_ca(root, passphrase=PASS)
    for name in ("ca.key.pem", "ca.cert.pem", "bureau.key.pem", "bureau.cert.pem"):
        assert (root / name).is_file(), name
    assert (root / "ca.key.pem").stat().st_mode & 0o077 == 0

    key_pem = (root / "ca.key.pem").read_bytes()
    assert key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # encrypted: refuses to load without a password
        serialization.load_pem_private_key(key_pem, password=None)
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(key_pem, password=b"wrong")
    assert isinstance(serialization.load_pem_private_key(key_pem, password=PASS.encode()),
                      ec.EllipticCurvePrivateKey)

    ca = x509.load_pem_x509_certificate((root / "ca.cert.pem").read_bytes())
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == \
        "汶上县应急管理局 执法文书CA"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    lifetime = ca.not_valid_after_utc - ca.not_valid_before_utc
    assert timedelta(days=3650) <= lifetime <= timedelta(days=3655)
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    assert ca.public_key().curve.name == "secp256r1"
    assert result["ca"]["sha256"] == pki.fingerprint(ca)

    bureau = x509.load_pem_x509_certificate((root / "bureau.cert.pem").read_bytes())
    assert bureau.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == \
        "汶上县应急管理局 电子公章"
    bureau.verify_directly_issued_by(ca)
    assert result["bureau"]["sha256"] == pki.fingerprint(bureau)

    with pytest.raises(pki.PkiError, match="flask pki init --force"):
        pki.init_ca(root, passphrase=PASS)
    assert (root / "ca.key.pem").read_bytes() == key_pem  # nothing changed

    again = pki.init_ca(root, passphrase=PASS, force=True, bureau_name="嘉祥县应急管理局")
    assert again["ca"]["sha256"] != result["ca"]["sha256"]
    assert again["ca"]["common_name"] == "嘉祥县应急管理局 执法文书CA"
    assert again["archived"] and any((tmp_path / "pki" / "archive").iterdir())


def test_issue_user_certificate(pki_dir):
    ca = x509.load_pem_x509_certificate(pki.ca_certificate_pem(pki_dir))
    cert = x509.load_pem_x509_certificate((pki_dir / "users/reviewer1.cert.pem").read_bytes())
    cert.verify_directly_issued_by(ca)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "李审核"
    assert cert.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == "reviewer1"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # nonRepudiation
    assert not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert pki.DOCUMENT_SIGNING in purposes
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=3 * 365) <= lifetime <= timedelta(days=3 * 365 + 2)
    assert (pki_dir / "users/reviewer1.key.pem").read_bytes().startswith(
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert pki.has_certificate("reviewer1", pki_dir)
    assert not pki.has_certificate("nobody", pki_dir)

    with pytest.raises(pki.PkiError, match="--renew"):
        pki.issue_user("reviewer1", "李审核", pki_dir, passphrase=PASS)
    renewed = pki.issue_user("reviewer1", "李审核", pki_dir, passphrase=PASS, renew=True)
    assert renewed["serial"] != format(cert.serial_number, "x")
    listed = pki.list_certificates(pki_dir)
    assert [(u["username"], u["status"]) for u in listed["users"]] == [("reviewer1", "valid")]


def test_passphrase_comes_from_config_or_secret_key(app, tmp_path):
    root = tmp_path / "pki"
    assert app.config.get("PKI_PASSPHRASE") is None  # tests run on the derived passphrase
    pki.init_ca(root)  # inside the app context: HKDF(SECRET_KEY)
    derived = pki.derive_passphrase(app.config["SECRET_KEY"])
    serialization.load_pem_private_key((root / "ca.key.pem").read_bytes(), password=derived)
    app.config["PKI_PASSPHRASE"] = "from-config"
    try:
        pki.issue_user("reviewer1", "李审核", root, passphrase=derived)
        with pytest.raises(pki.PkiError, match="PKI_PASSPHRASE"):
            pki.user_signer("reviewer1", root)  # config passphrase does not open these keys
    finally:
        app.config["PKI_PASSPHRASE"] = None
    assert pki.user_signer("reviewer1", root).username == "reviewer1"


# -- signing and validation -------------------------------------------------------------------

def test_two_signatures_validate_in_pyhanko_and_pdfsig(signed, pki_dir, tmp_path):
    checks = pki.validate_pdf(signed, pki_dir)
    assert [c.field for c in checks] == ["reviewer", "bureau"]
    for check in checks:
        assert check.intact and check.valid and check.trusted and check.ok, check
        assert check.signed_at is not None and check.signed_at.tzinfo is not None
    reviewer, bureau = checks
    assert reviewer.signer == "李审核" and reviewer.username == "reviewer1"
    assert bureau.signer == "汶上县应急管理局 电子公章" and bureau.username is None
    assert not reviewer.covers_whole_file  # the bureau's signature came after it
    assert bureau.covers_whole_file

    # pdfsig checks each signature's digest and value. It cannot assess trust: our CA is not in
    # its NSS database, and building one needs certutil (libnss3-tools), which is not installed,
    # so with certificate checks on it reports the issuer as untrusted — expected.
    output = run_pdfsig(signed, tmp_path, "-nocert")
    assert validations(output) == ["Signature is Valid."] * 2, output
    assert output.count("Signature Type: ETSI.CAdES.detached") == 2  # PAdES
    assert "Signing Hash Algorithm: SHA-256" in output
    assert output.rstrip().count("Total document signed") == 1  # the last one
    with_cert = run_pdfsig(signed, tmp_path)
    assert validations(with_cert) == ["Signature is Valid."] * 2, with_cert
    assert "Certificate issuer isn't Trusted" in with_cert


def test_a_changed_byte_is_detected_by_both(signed, pki_dir, tmp_path):
    offset = content_stream_offset(signed)
    first_range_end = int(re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)", signed).group(1))
    assert offset < first_range_end  # inside the range both signatures cover
    tampered = bytearray(signed)
    tampered[offset] ^= 0x01
    tampered = bytes(tampered)

    checks = pki.validate_pdf(tampered, pki_dir)
    assert len(checks) == 2
    for check in checks:
        assert not check.intact and not check.valid and not check.ok, check
        assert "改动" in check.message
    output = run_pdfsig(tampered, tmp_path, "-nocert")
    results = validations(output)
    assert len(results) == 2 and "Signature is Valid." not in results, output
    assert all(r in ("Digest Mismatch.", "Signature is Invalid.") for r in results), output


def test_appending_after_the_signature_is_reported(signed, pki_dir, tmp_path):
    junk = signed + b"\n% appended after the last %%EOF\n"
    reviewer, bureau = pki.validate_pdf(junk, pki_dir)
    assert bureau.intact and not bureau.covers_whole_file
    assert "追加" in bureau.message
    assert "Total document signed" not in run_pdfsig(junk, tmp_path, "-nocert")

    # A real incremental update that replaces the page content: the signed bytes are intact, so
    # pdfsig still says "Signature is Valid." (it only adds "Not total document signed");
    # pyHanko's difference analysis finds the change and the signatures are no longer valid.
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT ET"))
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    for check in pki.validate_pdf(out.getvalue(), pki_dir):
        assert check.intact and not check.valid and not check.covers_whole_file, check
    assert validations(run_pdfsig(out.getvalue(), tmp_path, "-nocert")) == \
        ["Signature is Valid."] * 2


def test_unsigned_and_unreadable_files(pki_dir, plain_pdf):
    assert pki.validate_pdf(plain_pdf, pki_dir) == []
    with pytest.raises(pki.PkiError, match="PDF"):
        pki.sign_pdf(b"not a pdf", pki.bureau_signer(pki_dir, passphrase=PASS),
                     field_name="bureau", reason="签发")
    with pytest.raises(pki.PkiError, match="PDF"):
        pki.validate_pdf(b"not a pdf at all", pki_dir)
    with pytest.raises(pki.PkiError, match="PDF"):
        pki.validate_pdf(plain_pdf[: len(plain_pdf) // 2], pki_dir)


def test_a_foreign_ca_is_not_trusted(pki_dir, plain_pdf, tmp_path):
    other = tmp_path / "other"
    pki.init_ca(other, passphrase=PASS, bureau_name="某某县应急管理局")
    pdf = pki.sign_pdf(plain_pdf, pki.bureau_signer(other, passphrase=PASS),
                       field_name="bureau", reason="签发")
    [check] = pki.validate_pdf(pdf, pki_dir)
    assert check.intact and check.valid and not check.trusted and not check.ok
    assert "CA" in check.message
    [own] = pki.validate_pdf(pdf, other)
    assert own.trusted


def test_a_signed_field_cannot_be_signed_again(signed, pki_dir):
    with pytest.raises(pki.PkiError, match="bureau"):
        pki.sign_pdf(signed, pki.bureau_signer(pki_dir, passphrase=PASS), field_name="bureau",
                     reason="签发")


# -- refusals ---------------------------------------------------------------------------------

def test_certificate_without_non_repudiation_is_refused(pki_dir, plain_pdf):
    key, cert, ca_cert = store_user_cert(pki_dir, "norep", non_repudiation=False)
    with pytest.raises(pki.PkiError, match="nonRepudiation") as caught:
        pki.user_signer("norep", pki_dir, passphrase=PASS)
    assert "flask pki issue norep" in str(caught.value)
    # Past our own check, pyHanko refuses it too, and the error says why.
    signer = pki.make_signer(key, cert, ca_cert, kind="user", username="norep",
                             pki_dir=pki_dir)
    with pytest.raises(pki.PkiError, match="nonRepudiation"):
        pki.sign_pdf(plain_pdf, signer, field_name="reviewer", reason="法制审核")


def test_expired_certificate_is_refused(pki_dir):
    store_user_cert(pki_dir, "old", days=(-400, -1))
    assert not pki.has_certificate("old", pki_dir)
    with pytest.raises(pki.PkiError, match="过期"):
        pki.user_signer("old", pki_dir, passphrase=PASS)


def test_revoked_user_cannot_sign_but_earlier_signatures_stand(pki_dir, plain_pdf):
    signer = pki.user_signer("reviewer1", pki_dir, passphrase=PASS)
    before = pki.sign_pdf(plain_pdf, signer, field_name="reviewer", reason="法制审核")
    pki.revoke("reviewer1", pki_dir, reason="调离")
    assert not pki.has_certificate("reviewer1", pki_dir)
    with pytest.raises(pki.PkiError, match="吊销"):
        pki.user_signer("reviewer1", pki_dir, passphrase=PASS)
    with pytest.raises(pki.PkiError, match="吊销"):  # a signer loaded before the revocation
        pki.sign_pdf(plain_pdf, signer, field_name="reviewer", reason="法制审核")
    with pytest.raises(pki.PkiError, match="已吊销"):
        pki.revoke("reviewer1", pki_dir)
    [check] = pki.validate_pdf(before, pki_dir)
    assert check.revoked and check.intact and check.valid and check.trusted
    assert "吊销之前" in check.message
    assert pki.list_certificates(pki_dir)["users"][0]["status"] == "revoked"

    pki.issue_user("reviewer1", "李审核", pki_dir, passphrase=PASS)  # a revoked one is replaced
    assert pki.has_certificate("reviewer1", pki_dir)
    pki.sign_pdf(plain_pdf, pki.user_signer("reviewer1", pki_dir, passphrase=PASS),
                 field_name="reviewer", reason="法制审核")


def test_unknown_user_and_missing_ca_name_the_command(pki_dir, tmp_path):
    with pytest.raises(pki.PkiError, match="`flask pki issue ghost`"):
        pki.user_signer("ghost", pki_dir, passphrase=PASS)
    with pytest.raises(pki.PkiError, match="没有证书"):
        pki.revoke("ghost", pki_dir)
    empty = tmp_path / "empty"
    for call in (lambda: pki.bureau_signer(empty, passphrase=PASS),
                 lambda: pki.user_signer("reviewer1", empty, passphrase=PASS),
                 lambda: pki.issue_user("reviewer1", "李审核", empty, passphrase=PASS),
                 lambda: pki.ca_certificate_pem(empty),
                 lambda: pki.validate_pdf(b"%PDF-1.7", empty)):
        with pytest.raises(pki.PkiError, match="`flask pki init`"):
            call()
    with pytest.raises(pki.PkiError):
        pki.user_signer("../ca", pki_dir, passphrase=PASS)


def test_signing_time(pki_dir, plain_pdf):
    signer = pki.user_signer("reviewer1", pki_dir, passphrase=PASS)
    pki.sign_pdf(plain_pdf, signer, field_name="reviewer", reason="法制审核")  # warm
    times = []
    for _ in range(20):
        start = time.perf_counter()
        pki.sign_pdf(plain_pdf, signer, field_name="reviewer", reason="法制审核")
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    pki.user_signer("reviewer1", pki_dir, passphrase=PASS)
    load = time.perf_counter() - start
    print(f"\nsign_pdf one page, EC P-256: median {statistics.median(times) * 1000:.1f} ms "
          f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}); "
          f"user_signer load {load * 1000:.1f} ms")


# -- the CLI ----------------------------------------------------------------------------------

def test_cli(app, runner, make_user, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # keep the session's PKI alone
    reviewer = make_user(("reviewer",), username="shenhe1", display_name="王审核")
    make_user(("officer",), username="zhifa1")

    missing = runner.invoke(pki_cli.group, ["issue", "shenhe1"])
    assert missing.exit_code == 2 and "flask pki init" in missing.output

    init = runner.invoke(pki_cli.group, ["init"])
    assert init.exit_code == 0, init.output
    ca = x509.load_pem_x509_certificate((tmp_path / "pki/ca.cert.pem").read_bytes())
    assert pki.fingerprint(ca) in init.output and "电子公章" in init.output
    again = runner.invoke(pki_cli.group, ["init"])
    assert again.exit_code == 2 and "--force" in again.output

    issued = runner.invoke(pki_cli.group, ["issue", "shenhe1"])
    assert issued.exit_code == 0, issued.output
    assert pki.has_certificate("shenhe1")
    assert pki.user_signer("shenhe1").display_name == "王审核"
    officer = runner.invoke(pki_cli.group, ["issue", "zhifa1"])
    assert officer.exit_code == 2 and "不是法制审核人员或负责人" in officer.output
    nobody = runner.invoke(pki_cli.group, ["issue", "nobody"])
    assert nobody.exit_code == 2 and "不存在" in nobody.output

    listed = runner.invoke(pki_cli.group, ["list"])
    assert listed.exit_code == 0 and re.search(r"shenhe1\s+王审核\s+有效", listed.output), \
        listed.output
    revoked = runner.invoke(pki_cli.group, ["revoke", "shenhe1", "--reason", "调离"])
    assert revoked.exit_code == 0, revoked.output
    assert "已吊销" in runner.invoke(pki_cli.group, ["list"]).output
    assert not pki.has_certificate("shenhe1")

    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action.in_(["pki_initialised", "certificate_issued",
                               "certificate_revoked"])).order_by(AuditEvent.seq)).all()
    assert actions == ["pki_initialised", "certificate_issued", "certificate_revoked"]
    issued_event = db.session.scalar(sa.select(AuditEvent).filter_by(
        action="certificate_issued"))
    assert issued_event.object_id == str(reviewer.id)

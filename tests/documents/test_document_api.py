"""The life of a document through HTTP: draft from a case, submit, return with an opinion,
resubmit, sign (PAdES, reviewer's certificate), issue (gap-free number, verification code,
bureau signature), public verification by code and by upload, void; and the refusals."""

import io
import shutil
import subprocess

import pytest

from enforcement import ROOT
from enforcement.documents import pki
from tests.conftest import bearer

POPPLER = shutil.which("pdfsig") and shutil.which("pdftotext")
ARTIFACTS = ROOT / "test-artifacts" / "documents"


@pytest.fixture
def ca(app, people):
    """The bureau CA in the test instance, and a certificate for the reviewer."""
    users, _tokens = people
    with app.app_context():
        if not pki.is_initialised():
            pki.init_ca()
        reviewer = users["reviewer"]
        if not pki.has_certificate(reviewer.username):
            pki.issue_user(reviewer.username, reviewer.display_name)
    return users


@pytest.fixture
def decided_case(people, open_case):
    case = open_case(codes=("SCL99-5",))
    case.to_decision([("SCL99-5", "10000")])
    return case


def _act(client, token, doc, action, **extra):
    version = client.get(f"/api/v1/documents/{doc}", headers=bearer(token)).get_json()["version"]
    return client.post(f"/api/v1/documents/{doc}/actions", headers=bearer(token),
                       json={"action": action, "version": version, **extra})


def test_kinds_are_listed(client, people):
    _users, tokens = people
    kinds = client.get("/api/v1/document-kinds", headers=bearer(tokens["officer"])).get_json()
    codes = {k["code"] for k in kinds}
    assert {"inspection_record", "rectification_order", "rectification_review",
            "filing_approval", "penalty_notice", "hearing_notice", "penalty_decision",
            "service_receipt", "closing_approval", "annual_plan", "interview_record",
            "summary_decision", "payment_demand"} <= codes


def test_review_sign_issue_verify(client, people, ca, decided_case):
    _users, tokens = people
    officer, reviewer = tokens["officer"], tokens["reviewer"]
    r = client.post("/api/v1/documents", headers=bearer(officer),
                    json={"kind": "penalty_decision", "case_id": decided_case.id})
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()
    assert doc["state"] == "draft" and doc["number"] is None
    draft_pdf = client.get(f"/api/v1/documents/{doc['id']}/pdf", headers=bearer(officer))
    assert draft_pdf.status_code == 200 and draft_pdf.data.startswith(b"%PDF")

    # nobody issues an unsigned document; the officer cannot sign
    assert _act(client, officer, doc["id"], "issue").status_code == 409
    assert _act(client, officer, doc["id"], "submit").status_code == 200
    assert _act(client, officer, doc["id"], "sign").status_code == 403
    # the reviewer returns it once, with an opinion
    assert _act(client, reviewer, doc["id"], "return").status_code == 422
    r = _act(client, reviewer, doc["id"], "return", opinion="请核对罚款金额的大写")
    assert r.status_code == 200 and r.get_json()["state"] == "draft"
    assert _act(client, officer, doc["id"], "refresh").status_code == 200
    assert _act(client, officer, doc["id"], "submit").status_code == 200
    r = _act(client, reviewer, doc["id"], "sign")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "signed"
    r = _act(client, officer, doc["id"], "issue")
    assert r.status_code == 200, r.get_json()
    issued = r.get_json()
    assert issued["state"] == "issued" and issued["number"].startswith("汶应急罚〔")
    assert len(issued["sha256"]) == 64 and issued["verification_code"]
    # immutable now
    assert _act(client, officer, doc["id"], "refresh").status_code == 409
    assert _act(client, reviewer, doc["id"], "sign").status_code == 409

    body = client.get(f"/api/v1/documents/{doc['id']}/pdf", headers=bearer(officer)).data
    import hashlib

    assert hashlib.sha256(body).hexdigest() == issued["sha256"]
    checks = pki.validate_pdf(body)
    assert [c.intact and c.valid and c.trusted for c in checks] == [True, True]

    # public verification by code and by upload; a tampered copy is rejected
    public = client.get(f"/api/v1/verify/{issued['verification_code']}")
    assert public.status_code == 200
    assert public.get_json()["number"] == issued["number"]
    assert public.get_json()["sha256"] == issued["sha256"]
    ok = client.post("/api/v1/verify", data={"file": (io.BytesIO(body), "d.pdf")},
                     content_type="multipart/form-data")
    assert ok.get_json()["valid"] is True
    tampered = bytearray(body)
    at = body.index(b"stream", 200) + 20
    tampered[at] = (tampered[at] + 1) % 256
    bad = client.post("/api/v1/verify", data={"file": (io.BytesIO(bytes(tampered)), "d.pdf")},
                      content_type="multipart/form-data")
    assert bad.get_json()["valid"] is False
    rubbish = client.post("/api/v1/verify", data={"file": (io.BytesIO(b"hello"), "x.pdf")},
                          content_type="multipart/form-data")
    assert rubbish.get_json()["valid"] is False
    assert client.get("/api/v1/verify/NOSUCHCODE").status_code == 404

    if POPPLER:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / "issued-penalty_decision.pdf"
        path.write_bytes(body)
        out = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True,
                             text=True).stdout
        assert out.count("Signature is Valid") == 2
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(path),
                        str(ARTIFACTS / "issued-penalty_decision")], check=True)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                              text=True).stdout
        assert decided_case.body["party"]["name"] in text

    # void keeps the number; the public page says so
    assert _act(client, tokens["leader"], doc["id"], "void").status_code == 422
    r = _act(client, tokens["leader"], doc["id"], "void", reason="送达地址有误，重新制作")
    assert r.status_code == 200 and r.get_json()["number"] == issued["number"]
    assert client.get(f"/api/v1/verify/{issued['verification_code']}").get_json()["valid"] \
        is False


def test_numbers_are_gap_free_and_a_reviewer_needs_a_certificate(client, people, ca,
                                                                  decided_case, make_user,
                                                                  api_token):
    _users, tokens = people
    numbers = []
    for _ in range(2):
        doc = client.post("/api/v1/documents", headers=bearer(tokens["officer"]),
                          json={"kind": "penalty_notice", "case_id": decided_case.id}).get_json()
        _act(client, tokens["officer"], doc["id"], "submit")
        assert _act(client, tokens["reviewer"], doc["id"], "sign").status_code == 200
        numbers.append(_act(client, tokens["officer"], doc["id"], "issue").get_json()["number"])
    serials = [int(n.split("〕")[1].rstrip("号")) for n in numbers]
    assert serials[1] == serials[0] + 1

    novice = make_user(["reviewer"], legal_qualified=True)   # no certificate issued
    token = api_token(novice)
    doc = client.post("/api/v1/documents", headers=bearer(tokens["officer"]),
                      json={"kind": "penalty_notice", "case_id": decided_case.id}).get_json()
    _act(client, tokens["officer"], doc["id"], "submit")
    r = _act(client, token, doc["id"], "sign")
    assert r.status_code == 409 and "pki issue" in r.get_json()["detail"]


def test_a_document_needs_its_step(client, people, open_case):
    _users, tokens = people
    case = open_case()
    r = client.post("/api/v1/documents", headers=bearer(tokens["officer"]),
                    json={"kind": "penalty_decision", "case_id": case.id})
    assert r.status_code == 409
    r = client.post("/api/v1/documents", headers=bearer(tokens["officer"]),
                    json={"kind": "penalty_decision", "inspection_id": 1})
    assert r.status_code == 422
    r = client.post("/api/v1/documents", headers=bearer(tokens["officer"]),
                    json={"kind": "no_such_kind", "case_id": case.id})
    assert r.status_code == 422 and "kind" in r.get_json()["errors"]


def test_archive_of_a_closed_case_through_http(client, people, ca, decided_case):
    _users, tokens = people
    officer = tokens["officer"]
    doc = client.post("/api/v1/documents", headers=bearer(officer),
                      json={"kind": "penalty_decision", "case_id": decided_case.id}).get_json()
    _act(client, officer, doc["id"], "submit")
    _act(client, tokens["reviewer"], doc["id"], "sign")
    issued = _act(client, officer, doc["id"], "issue").get_json()
    url = f"/api/v1/cases/{decided_case.id}/archives"
    assert client.post(url, headers=bearer(officer)).status_code == 409   # not closed yet
    decided_case.ok("officer", "serve_decision")
    decided_case.ok("officer", "record_payment", amount="10000")
    decided_case.ok("officer", "submit_closing")
    decided_case.ok("leader", "approve_closing")
    assert client.post(url, headers=bearer(tokens["reviewer"])).status_code == 403
    r = client.post(url, headers=bearer(officer))
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["pages"] >= 3
    item = next(i for i in made["manifest"]["items"] if i.get("number") == issued["number"])
    assert item["sha256"] == issued["sha256"]
    package = client.get(f"/api/v1/files/{made['zip_file_id']}/content", headers=bearer(officer))
    assert package.status_code == 200 and package.data.startswith(b"PK")
    assert client.get(url, headers=bearer(officer)).get_json()[0]["id"] == made["id"]


def test_print_job_is_recorded(client, people, decided_case):
    """The job itself is tested in test_batch.py (it needs committed data); here the API."""
    _users, tokens = people
    doc = client.post("/api/v1/documents", headers=bearer(tokens["officer"]),
                      json={"kind": "penalty_notice", "case_id": decided_case.id}).get_json()
    r = client.post("/api/v1/documents/print-jobs", headers=bearer(tokens["officer"]),
                    json={"document_ids": [doc["id"]]})
    assert r.status_code == 202 and r.get_json()["job_id"]
    assert client.post("/api/v1/documents/print-jobs", headers=bearer(tokens["officer"]),
                       json={"document_ids": [999999]}).status_code == 404
    assert client.post("/api/v1/documents/print-jobs", headers=bearer(tokens["officer"]),
                       json={"document_ids": []}).status_code == 422


def test_public_verification_upload_is_rate_limited(client, app):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.post("/api/v1/verify", data={"file": (io.BytesIO(b"%PDF-1.7 x"), "a.pdf")},
                             content_type="multipart/form-data").status_code for _ in range(4)]
    finally:
        app.config.pop("VERIFY_RATE_LIMIT")
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_drafting_from_a_page_never_redirects_off_site(client, people, open_case, login):
    from tests.conftest import csrf_token

    users, _tokens = people
    case = open_case()
    login(users["officer"])
    r = client.post("/documents/new", data={
        "csrf_token": csrf_token(client, f"/cases/{case.id}"), "kind": "penalty_decision",
        "case_id": str(case.id), "next": "https://evil.example/x"})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]


def test_an_oversized_upload_is_refused_without_reading_it_all(client, monkeypatch):
    from enforcement.documents import service

    monkeypatch.setattr(service, "MAX_VERIFY_BYTES", 16)
    r = client.post("/api/v1/verify", data={"file": (io.BytesIO(b"%PDF-1.7" + b"x" * 40), "a.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]


def test_the_preview_may_be_framed_by_the_app_only(client, people, decided_case, login):
    """The document page shows the preview in a frame: its policy lets the app's own pages frame
    it, no one else, and still allows no script; every other page refuses all frames."""
    users, tokens = people
    doc = client.post("/api/v1/documents", headers=bearer(tokens["officer"]),
                      json={"kind": "penalty_decision", "case_id": decided_case.id}).get_json()
    login(users["officer"])
    preview = client.get(f"/documents/{doc['id']}/preview")
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    policy = preview.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    page = client.get(f"/documents/{doc['id']}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"

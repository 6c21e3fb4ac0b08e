"""归档: a case driven through the API to 已结案 with three issued documents (告知书, 决定书,
结案审批表) and three evidence files (two photos, a text file), then archived: the merged PDF
(cover, 目录 with true page numbers, the documents' pages, one page per photo), the PDF/A-3b
variant with the signed originals attached, and the package (originals byte-identical,
manifest hashes). A case that is not closed is refused.

The cover, the 目录 and an evidence page are rendered to PNG in
``test-artifacts/documents/archive/`` for a person to look at."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime

import pikepdf
import pytest
from PIL import Image, ImageDraw

from enforcement import ROOT
from enforcement.core import storage
from enforcement.core.errors import TransitionNotAllowed
from enforcement.documents import archive
from enforcement.documents.models import Document
from enforcement.extensions import db
from tests.conftest import bearer
from tests.documents.test_document_api import _act, ca  # noqa: F401

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
ARTIFACTS = ROOT / "test-artifacts" / "documents" / "archive"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _upload(client, token, data: bytes, name: str) -> int:
    r = client.post("/api/v1/files", headers=bearer(token),
                    data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _drawing() -> bytes:
    """A site photo stand-in: a landscape PNG with shapes (something to see on the page)."""
    image = Image.new("RGB", (900, 600), "#d8e4ee")
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 220, 560, 560), fill="#8a8f98", outline="#333", width=6)
    draw.polygon([(60, 230), (320, 70), (580, 230)], fill="#b0413e")
    draw.ellipse((650, 60, 820, 230), fill="#f2c14e")
    draw.line((0, 560, 900, 560), fill="#3c6e47", width=40)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _rotated_jpeg() -> bytes:
    """A portrait photo stored sideways with EXIF orientation 6 (as phones do)."""
    image = Image.new("RGB", (400, 300), "#eeeeee")
    ImageDraw.Draw(image).rectangle((20, 20, 200, 280), fill="#2b5d8a")
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _issue(client, tokens, case_id: int, kind: str) -> dict:
    officer, reviewer = tokens["officer"], tokens["reviewer"]
    r = client.post("/api/v1/documents", headers=bearer(officer),
                    json={"kind": kind, "case_id": case_id})
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()["id"]
    assert _act(client, officer, doc, "submit").status_code == 200
    assert _act(client, reviewer, doc, "sign").status_code == 200
    r = _act(client, officer, doc, "issue")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _text(path, page: int | None = None, *, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if layout:
        args.append("-layout")
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _artifact(name: str, data: bytes):
    """Write an artifact whole (a concurrent run of this test may be reading the old one)."""
    path = ARTIFACTS / name
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_templates_render_with_sample_data(app):
    with app.app_context():
        archive.check_templates()


def test_closed_case_is_archived(app, client, people, ca, open_case, frozen):  # noqa: F811
    users, tokens = people
    case = open_case(codes=("SCL99-5",))
    case.ok("officer", "submit_filing")
    case.ok("leader", "approve_filing")
    case.evidence(title="现场照片")
    photo = _upload(client, tokens["officer"], _drawing(), "车间全景.png")
    sideways = _upload(client, tokens["officer"], _rotated_jpeg(), "配电柜.jpg")
    notes = _upload(client, tokens["officer"], "除尘器维护记录缺失，见台账。\n".encode(),
                    "台账摘要.txt")
    r = client.post(f"/api/v1/cases/{case.id}/evidence", headers=bearer(tokens["officer"]),
                    json={"kind": "audiovisual", "title": "除尘系统现场照片",
                          "file_ids": [photo, sideways], "place": "二号车间",
                          "description": "证明除尘系统未按规定维护。"})
    assert r.status_code == 201, r.get_json()
    r = client.post(f"/api/v1/cases/{case.id}/evidence", headers=bearer(tokens["officer"]),
                    json={"kind": "documentary", "title": "设备维护台账", "file_ids": [notes]})
    assert r.status_code == 201, r.get_json()
    case.ok("officer", "conclude_investigation", proposed_penalty={"items": [
        {"violation_code": "SCL99-5", "fine": "10000"}]})
    case.ok("leader", "approve_proposal")
    frozen(datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    notice = _issue(client, tokens, case.id, "penalty_notice")
    case.ok("officer", "serve_notice")
    case.ok("officer", "waive_rights")
    case.ok("leader", "decide")
    frozen(datetime(2026, 11, 2, 5, 0, tzinfo=UTC))
    decision = _issue(client, tokens, case.id, "penalty_decision")

    # not closed yet: refused, nothing stored
    with app.app_context():
        files_before = db.session.query(storage.StoredFile).count()
        with pytest.raises(TransitionNotAllowed) as refused:
            archive.build(case.id, users["officer"])
        assert "结案" in str(refused.value.detail)
        assert db.session.query(storage.StoredFile).count() == files_before

    case.ok("officer", "serve_decision", served_on="2026-11-02", method="direct")
    case.ok("officer", "record_payment", amount="10000", paid_on="2026-11-02")
    case.ok("officer", "submit_closing")
    frozen(datetime(2026, 11, 2, 7, 0, tzinfo=UTC))
    closing = _issue(client, tokens, case.id, "closing_approval")
    assert case.ok("leader", "approve_closing")["state"] == "closed"
    issued = [notice, decision, closing]

    with app.app_context():
        result = archive.build(case.id, users["officer"])
        stored_pdf = storage.read_bytes(result.pdf.sha256)
        stored_pdfa = storage.read_bytes(result.pdfa.sha256)
        originals = {d["id"]: storage.read_bytes(storage.get_file(
            db.session.get(Document, d["id"]).pdf_file_id).sha256) for d in issued}
        assert result.zip.content_type == "application/zip"
        assert storage.read_bytes(result.zip.sha256) == result.zip_bytes
    assert result.pdf.content_type == result.pdfa.content_type == "application/pdf"

    # -- the merged PDF: cover + 目录 + the documents' pages + one page per photo
    doc_pages = [len(pikepdf.open(io.BytesIO(originals[d["id"]])).pages) for d in issued]
    manifest = result.manifest
    items = manifest["items"]
    assert [i["type"] for i in items] == ["document"] * 3 + ["evidence"] * 4
    assert [i["number"] for i in items[:3]] == [d["number"] for d in issued]
    toc_pages = items[0]["first_page"] - 2
    assert toc_pages == 1
    assert result.pages == 1 + toc_pages + sum(doc_pages) + 3
    with pikepdf.open(io.BytesIO(stored_pdf)) as merged:
        assert len(merged.pages) == result.pages
        assert "/AcroForm" not in merged.Root
    page = 1 + toc_pages + 1
    for item, pages in zip(items[:3], doc_pages, strict=True):
        assert (item["first_page"], item["pages_in_archive"]) == (page, pages)
        page += pages
    photos = [i for i in items if i["type"] == "evidence" and i["pages_in_archive"]]
    assert [p["first_page"] for p in photos] == [page, page + 1, page + 2]
    text_file = items[-1]
    assert text_file["content_type"] == "text/plain" and text_file["first_page"] is None

    # -- the package: originals byte for byte, the manifest's hashes, the archives
    package = zipfile.ZipFile(io.BytesIO(result.zip_bytes))
    names = package.namelist()
    assert names[:3] == [f"originals/{n:02d}-{d['number']}.pdf"
                         for n, d in enumerate(issued, 1)]
    assert names[3:] == [i["file"] for i in items[3:]] + [
        "archive.pdf", "archive-pdfa.pdf", "manifest.json"]
    for n, d in enumerate(issued):
        body = package.read(names[n])
        assert body == originals[d["id"]]
        assert _sha(body) == d["sha256"] == items[n]["sha256"]
    for item in items:
        body = package.read(item["file"])
        assert _sha(body) == item["sha256"] and len(body) == item["size"]
    assert json.loads(package.read("manifest.json")) == manifest
    assert package.read("archive.pdf") == stored_pdf
    assert package.read("archive-pdfa.pdf") == stored_pdfa
    assert manifest["archive_sha256"] == _sha(stored_pdf) == result.pdf.sha256
    assert manifest["archive_pdfa_sha256"] == _sha(stored_pdfa) == result.pdfa.sha256
    assert manifest["case_number"] == case.get()["number"] and manifest["pages"] == result.pages

    # -- PDF/A-3b: declared in the XMP, the signed originals attached with their hashes
    with pikepdf.open(io.BytesIO(stored_pdfa)) as pdfa:
        assert len(pdfa.pages) == result.pages
        meta = pdfa.open_metadata()
        assert meta.pdfa_status == "3B"
        xmp = bytes(pdfa.Root.Metadata.read_bytes()).decode()
        assert re.search(r"pdfaid:part(=\"|>)3", xmp)
        assert "/OutputIntents" in pdfa.Root
        attached = pdfa.attachments
        assert sorted(attached) == sorted(n.split("/", 1)[1] for n in names[:3])
        for n, d in enumerate(issued):
            spec = attached[names[n].split("/", 1)[1]]
            assert spec.get_file().read_bytes() == originals[d["id"]]
            assert d["sha256"] in spec.description
            assert spec.obj.AFRelationship == pikepdf.Name.Source
        assert len(pdfa.Root.AF) == 3

    # 归档 recorded in the workflow (with an archive number): still accepted, on the cover
    case.ok("officer", "archive", archive_no="WS·2026·案·001")
    with app.app_context():
        again = archive.build(case.id, users["officer"])
    assert again.manifest["archive_no"] == "WS·2026·案·001"
    assert again.manifest["archived_on"] == "2026-11-02" and again.pages == result.pages

    if not POPPLER:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = _artifact("archive.pdf", stored_pdf)
    _artifact("archive-pdfa.pdf", stored_pdfa)

    # the cover states the count; the 目录 lists each document's number and its page
    cover = _compact(_text(pdf_path, 1, layout=True))
    assert "行政处罚案卷" in cover and manifest["case_number"] in cover
    assert f"{len(items)}件共{result.pages}页" in cover
    toc = _text(pdf_path, 2, layout=True)
    assert "卷内目录" in _compact(toc)
    rows = toc.splitlines()
    for item in items:
        page_no = item["first_page"] or "—"
        assert any(re.match(rf"\s*{item['seq']}\s+{re.escape(item['name'])}\s.*\s{page_no}\s",
                            row + " ") for row in rows), (item["name"], toc)
    for item, d in zip(items[:3], issued, strict=True):
        line = next(x for x in toc.splitlines() if d["number"] in x)
        assert re.search(rf"{re.escape(d['number'])}\s+\d{{8}}\s+{item['first_page']}\s",
                         line + " "), line
        # the page it names starts that document: its page number, the agency, its title
        first = _compact(_text(pdf_path, item["first_page"]))
        assert first.startswith(f"{item['first_page']}{manifest['agency']}"), first[:40]
        assert _compact(item["name"]) in first[:60]
        # the issue stamp (number, verification code) is on a document's first page only,
        # flattened into the page; the page before belongs to the item before
        assert d["number"] in first and "验证码" in first
        if item["seq"] > 1:
            assert d["number"] not in _compact(_text(pdf_path, item["first_page"] - 1))
    for photo_item in photos:
        page_text = _compact(_text(pdf_path, photo_item["first_page"]))
        assert page_text.startswith(str(photo_item["first_page"]))
        assert _compact(photo_item["name"]) in page_text
        assert photo_item["sha256"] in page_text

    for old in ARTIFACTS.glob("archive-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf_path), str(ARTIFACTS / "archive")],
                   check=True)
    assert len(list(ARTIFACTS.glob("archive-*.png"))) == result.pages

"""The content-addressed file store and POST /api/v1/files."""

import hashlib
import io
import zipfile

import pytest

from enforcement.core import storage
from enforcement.core.errors import PayloadTooLarge, UnsupportedMediaType
from enforcement.core.storage import StoredFile
from enforcement.extensions import db
from tests.conftest import bearer

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 100
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    wb = Workbook()
    wb.active["A1"] = "企业名称"
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "expected"), [
    (PNG, "a.png", "image/png"),
    (JPEG, "现场照片.jpg", "image/jpeg"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "x.webp", "image/webp"),
    (HEIC, "IMG_0001.HEIC", "image/heic"),
    (MP4, "video.mp4", "video/mp4"),
    (PDF, "doc.pdf", "application/pdf"),
    ("企业名称,信用代码\n汶上县某公司,91370830MA3C8XXX0X\n".encode(), "list.csv", "text/csv"),
    ("检查记录：正常".encode("gb18030"), "note.txt", "text/plain"),
])
def test_allowed_types_are_sniffed_by_content(app, make_user, data, name, expected):
    user = make_user()
    record = storage.store_bytes(data, name, user.id)
    assert record.content_type == expected
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.read_bytes(record.sha256) == data
    path = storage.blob_path(record.sha256)
    assert path.parent.parent.name == record.sha256[:2] and path.parent.name == record.sha256[2:4]


def test_xlsx_is_recognised_and_a_plain_zip_is_not(app):
    assert storage.store_bytes(_xlsx(), "a.xlsx", None).content_type.endswith("spreadsheetml.sheet")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("evil.exe", b"MZ")
    with pytest.raises(UnsupportedMediaType):
        storage.store_bytes(buffer.getvalue(), "disguised.xlsx", None)
    # a zip the system generated itself (a case archive package) is kept; never as an upload
    package = storage.store_bytes(buffer.getvalue(), "package.zip", None, generated=True)
    assert package.content_type == "application/zip"


@pytest.mark.parametrize("data", [
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,     # a Windows program renamed .jpg
    b"\x7fELF\x02\x01\x01" + b"\x00" * 100,             # an ELF binary
    b"GIF89a" + b"\x00" * 50,                            # GIF is not on the list
    b"",                                                 # empty
])
def test_forbidden_content_is_refused_whatever_the_name(app, data):
    before = db.session.query(StoredFile).count()
    with pytest.raises(UnsupportedMediaType):
        storage.store_bytes(data, "photo.jpg", None)
    assert db.session.query(StoredFile).count() == before


def test_size_limits_per_type(app):
    app.config["UPLOAD_MAX_OTHER_MB"] = 1
    try:
        with pytest.raises(PayloadTooLarge):
            storage.store_bytes(JPEG + b"\x00" * (1024 * 1024), "big.jpg", None)
        # Video has its own, larger limit.
        assert storage.store_bytes(MP4 + b"\x00" * (1024 * 1024), "v.mp4", None)
    finally:
        app.config["UPLOAD_MAX_OTHER_MB"] = 20


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\张三\\照片.jpg", "照片.jpg"),
    (".htaccess", "htaccess"),
    ("a\x00b\nc.pdf", "abc.pdf"),
    ("", "file"),
    ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
])
def test_names_are_sanitised(raw, safe):
    assert storage.safe_filename(raw) == safe


def test_same_content_is_stored_once_and_never_overwritten(app):
    first = storage.store_bytes(PNG, "a.png", None)
    second = storage.store_bytes(PNG, "b.png", None)
    assert first.sha256 == second.sha256 and first.id != second.id
    assert second.filename == "b.png"


def test_a_changed_blob_is_detected_on_read(app):
    record = storage.store_bytes(PDF, "x.pdf", None)
    path = storage.blob_path(record.sha256)
    path.chmod(0o644)
    path.write_bytes(PDF + b"tampered")
    with pytest.raises(storage.BlobCorrupted):
        storage.read_bytes(record.sha256)
    path.write_bytes(PDF)


def test_upload_through_the_api(client, make_user, api_token):
    token = api_token(make_user(["officer"]))
    response = client.post("/api/v1/files", headers=bearer(token),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PNG), "../隐患照片.png")})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= {"id", "sha256", "size", "content_type", "filename"}
    assert body["filename"] == "隐患照片.png" and body["content_type"] == "image/png"
    content = client.get(f"/api/v1/files/{body['id']}/content", headers=bearer(token))
    assert content.status_code == 200 and content.data == PNG
    assert content.headers["X-Content-Type-Options"] == "nosniff"


def test_api_refuses_a_disguised_file_with_415(client, make_user, api_token):
    token = api_token(make_user(["officer"]))
    response = client.post("/api/v1/files", headers=bearer(token),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"MZ" + b"\x00" * 100), "photo.jpg")})
    assert response.status_code == 415
    assert "按文件内容判断" in response.get_json()["detail"]


def test_api_without_a_file_is_422(client, make_user, api_token):
    token = api_token(make_user(["officer"]))
    response = client.post("/api/v1/files", headers=bearer(token),
                           content_type="multipart/form-data", data={})
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"] == ["此字段为必填项。"]


def test_api_oversize_request_is_413(app, client, make_user, api_token):
    token = api_token(make_user(["officer"]))
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = client.post("/api/v1/files", headers=bearer(token),
                               content_type="multipart/form-data",
                               data={"file": (io.BytesIO(JPEG + b"\x00" * 2000), "x.jpg")})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 210 * 1024 * 1024
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"


def test_experts_upload_but_auditors_do_not(client, make_user, api_token):
    auditor = api_token(make_user(["auditor"]))
    response = client.post("/api/v1/files", headers=bearer(auditor),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PNG), "a.png")})
    assert response.status_code == 403

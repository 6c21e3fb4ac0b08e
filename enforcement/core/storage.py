"""Content-addressed file store: evidence photos and videos, uploaded sheets, rendered PDFs.

A blob lives at ``STORAGE_DIR/ab/cd/<sha256>``; it is written once (temp file + rename) and never
overwritten. The ``files`` table keeps, per upload, the hash, size, the type sniffed from the
content (never the name or the browser's claim), the sanitised original name, who and when.
Reading a blob checks its hash again.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from enforcement.core import clock
from enforcement.core.audit import Audited
from enforcement.core.errors import DomainError, NotFound, PayloadTooLarge, UnsupportedMediaType
from enforcement.core.models import UTCDateTime
from enforcement.extensions import db

CHUNK = 1024 * 1024
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})
ALLOWED_TYPES = frozenset({
    "image/jpeg", "image/png", "image/webp", "image/heic", "video/mp4", "video/quicktime",
    "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv", "text/plain",
})
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1",
                b"msf1"}
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
               b"dash", b"3gp4", b"3gp5", b"3gp6", b"MSNV", b"mmp4"}
_QT_BRANDS = {b"qt  "}


class StoredFile(Audited, db.Model):
    """文件 — one upload of a blob."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    uploaded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class BlobCorrupted(DomainError):
    status = 500
    slug = "blob-corrupted"


# -- sniffing ---------------------------------------------------------------------------------

def sniff(path: Path, filename: str) -> str | None:
    """The content type of the file at ``path`` judged by its bytes, or None if not allowed."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        brands = {head[i:i + 4] for i in range(16, min(len(head), 64), 4)} | {brand}
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brands & _MP4_BRANDS:
            return "video/mp4"
        if brands & _QT_BRANDS:
            return "video/quicktime"
        return None
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    if _is_text(head):
        return "text/csv" if filename.lower().endswith(".csv") else "text/plain"
    return None


def _sniff_zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    sample = head[:-4] if len(head) == 64 * 1024 else head  # a cut multi-byte character
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text
                       if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
        return controls == 0
    return False


# -- names and limits -------------------------------------------------------------------------

def safe_filename(name: str | None) -> str:
    """The last path component, without control characters or leading dots, at most 255 bytes."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".")
    if not name:
        return "file"
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = name, ""
    while len((stem + ("." + ext if ext else "")).encode("utf-8")) > 255:
        stem = stem[:-1]
    return stem + ("." + ext if ext else "")


def limit_for(content_type: str) -> int:
    cfg = current_app.config
    if content_type in VIDEO_TYPES:
        return cfg.get("UPLOAD_MAX_VIDEO_MB", 200) * 1024 * 1024
    return cfg.get("UPLOAD_MAX_OTHER_MB", 20) * 1024 * 1024


def _storage_root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def blob_path(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256 hex digest")
    return _storage_root() / sha256[:2] / sha256[2:4] / sha256


# -- writing and reading ----------------------------------------------------------------------

@dataclass
class Upload:
    sha256: str
    size: int
    content_type: str
    path: Path


GENERATED_TYPES = frozenset({"application/zip"})   # made by the system, never accepted as uploads


def _receive(stream: BinaryIO, filename: str, *, generated: bool = False) -> Upload:
    """Copy the stream into a temp file while hashing; refuse what is too big or not allowed.
    ``generated``: the system made the file (a case archive, a print batch): it may be a zip
    package and is not held to the upload size limits."""
    root = _storage_root()
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    hard_limit = max(limit_for("video/mp4"), limit_for("application/pdf"))
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=root / "tmp", prefix="upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > hard_limit and not generated:
                    raise PayloadTooLarge(_("文件超过 %(mb)s MB 的上限。", mb=hard_limit // 2**20))
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UnsupportedMediaType(_("文件是空的。"))
        content_type = sniff(tmp, filename)
        if content_type is None and generated and zipfile.is_zipfile(tmp):
            content_type = "application/zip"
        allowed = ALLOWED_TYPES | (GENERATED_TYPES if generated else frozenset())
        if content_type is None or content_type not in allowed:
            raise UnsupportedMediaType(_(
                "不支持的文件类型（按文件内容判断，与扩展名无关）。"
                "允许：JPEG、PNG、WebP、HEIC 图片，MP4/MOV 视频，PDF，XLSX，CSV 和纯文本。"))
        if size > limit_for(content_type) and not generated:
            limit_mb = limit_for(content_type) // 2**20
            raise PayloadTooLarge(_("此类文件不能超过 %(mb)s MB。", mb=limit_mb))
        return Upload(digest.hexdigest(), size, content_type, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _place(upload: Upload) -> None:
    """Move the temp file to its content address; an existing blob is never overwritten."""
    target = blob_path(upload.sha256)
    if target.exists():
        upload.path.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(upload.path, 0o440)
    try:
        os.link(upload.path, target)  # fails if another writer placed it first: fine, same bytes
    except FileExistsError:
        pass
    finally:
        upload.path.unlink(missing_ok=True)


def store(stream: BinaryIO, filename: str | None, uploaded_by: int | None, *,
          generated: bool = False) -> StoredFile:
    """Store an upload and record it. Nothing is recorded if the content is refused."""
    name = safe_filename(filename)
    upload = _receive(stream, name, generated=generated)
    _place(upload)
    record = StoredFile(sha256=upload.sha256, size=upload.size, content_type=upload.content_type,
                        filename=name, uploaded_by=uploaded_by, uploaded_at=clock.now())
    db.session.add(record)
    db.session.flush()
    return record


def store_bytes(data: bytes, filename: str, uploaded_by: int | None, *,
                generated: bool = False) -> StoredFile:
    import io

    return store(io.BytesIO(data), filename, uploaded_by, generated=generated)


def get_file(file_id: int) -> StoredFile:
    record = db.session.get(StoredFile, file_id)
    if record is None:
        raise NotFound(_("文件 %(id)s 不存在", id=file_id))
    return record


def verified_path(sha256: str) -> Path:
    """The blob's path after re-checking its hash (raises BlobCorrupted if it changed)."""
    path = blob_path(sha256)
    if not path.exists():
        raise BlobCorrupted(_("文件内容缺失：%(sha)s", sha=sha256))
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        current_app.logger.error("blob %s does not match its hash", sha256)
        raise BlobCorrupted(_("文件内容与登记的哈希不一致，可能已被篡改：%(sha)s", sha=sha256))
    return path


def read_bytes(sha256: str) -> bytes:
    return verified_path(sha256).read_bytes()


def iter_chunks(sha256: str) -> Iterator[bytes]:
    path = verified_path(sha256)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk

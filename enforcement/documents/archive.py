"""归档: a closed case's file (案卷) as one PDF, a PDF/A-3b variant and a .zip package.

The archive PDF, in this order:

1. 卷宗封面 (``templates/documents/archive_cover.html``): the agency, 案由 (the case title),
   案件编号, 当事人, 立案 and 结案 dates, 承办人, 卷内文件 N 件 共 P 页, 保管期限 (the
   ``ARCHIVE_RETENTION`` setting, 长期 by default), 归档日期, 归档号 and 立卷人.
2. 卷内目录 (``archive_toc.html``): one row per item — 序号, 文书名称/证据名称, 文号, 日期, 页号
   (the page where the item starts), 备注. Pages are counted from the cover (page 1) and include
   the list itself; since the list's own length moves every number after it, it is laid out
   again until its page count no longer changes.
3. Every issued document of the case, in the order it was issued: the pages of its stored
   issued PDF, the visible stamps (number, verification code, QR code) flattened into the page.
   Digital signatures do not survive a merge: the signed original is the file in the package
   (and an attachment of the PDF/A variant), byte for byte.
4. Every image of the case's evidence, one A4 page each, with its title, kind, collected date,
   collectors, place, file name and SHA-256 (the image is embedded as a ``data:`` URL; photos
   larger than ``MAX_IMAGE_SIDE`` pixels are scaled down for the page). Other evidence files
   (videos, PDFs, sheets, HEIC photos) are listed in the 目录 and carried in the package only.

Every page after the cover carries its 页号 top right, the number the 目录 gives.

The PDF/A-3b variant: the cover, the 目录, the evidence pages and the page-number stamps are
rendered as PDF/A-3b (``render_pdf(..., pdfa=True)``) and merged in the same way; the file
declares PDF/A-3b (XMP ``pdfaid:part`` 3, conformance B, with the renderer's output intent).
The issued documents keep their own conformance: a signed PDF cannot be converted to PDF/A
without breaking its signature, so their pages are copied as they are, and each signed original
is embedded as an associated file (PDF/A-3 allows embedded files; ``/AFRelationship /Source``,
listed in the catalogue's ``/AF``) with its SHA-256 in the description.

The package (.zip), in this order: ``originals/<seq>-<number>.pdf`` (the stored issued PDFs),
``evidence/<seq>-<filename>`` (the stored evidence files), ``archive.pdf``,
``archive-pdfa.pdf`` and ``manifest.json`` (every SHA-256 computed from the bytes written).

Storage keeps the two PDFs and the package as files the system generated (a zip is never
accepted as an upload; generated files are not held to the upload size limits). The package
is also returned as ``ArchiveResult.zip_bytes``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import pikepdf
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from pikepdf.models.metadata import encode_pdf_date

from enforcement.core import clock, storage
from enforcement.core.errors import TransitionNotAllowed, ValidationFailed
from enforcement.documents import builders, kinds, render, service
from enforcement.documents.models import Document
from enforcement.extensions import db

ARCHIVABLE_STATES = ("closed", "archived")     # 结案, 归档
RETENTION = "长期"                             # 保管期限 unless ARCHIVE_RETENTION says otherwise
COVER_TEMPLATE = "archive_cover.html"
TOC_TEMPLATE = "archive_toc.html"
PAGE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_IMAGE_SIDE = 2000        # pixels: larger photos are scaled down for the archive page
MM = 72 / 25.4
STAMP_BOX = (24 * MM, 9 * MM)          # the 页号 stamp: width, height
STAMP_OFFSET = (12 * MM, 7 * MM)       # from the page's right and top edges
PDFA_CONFORMANCE = "3B"

__all__ = ["ArchiveResult", "build", "check_templates", "issued_documents"]


@dataclass
class ArchiveResult:
    """The stored archive PDF and its PDF/A-3b variant, the package (stored once storage
    accepts zip files, else None) with its bytes, its manifest and the archive's page count."""

    pdf: storage.StoredFile
    pdfa: storage.StoredFile
    zip: storage.StoredFile | None
    manifest: dict[str, Any]
    pages: int
    zip_bytes: bytes = field(repr=False)


@dataclass
class _Item:
    """One row of the 目录: an issued document or one evidence file."""

    seq: int
    type: str                  # "document" | "evidence"
    kind: str                  # the document kind or the evidence kind (code)
    name: str
    number: str
    date: str                  # ISO date
    path: str                  # the file's name in the package
    data: bytes
    content_type: str
    note: str = ""
    record_id: int = 0
    issued_at: datetime | None = None
    pdf: bytes | None = None   # the pages this item contributes to archive.pdf …
    html: str | None = None    # … and, for a page rendered here, its HTML (for the PDF/A run)
    pages: int = 0
    first_page: int | None = None

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


# -- the documents and the evidence ------------------------------------------------------------

def issued_documents(case_id: int) -> list[Document]:
    """The case's issued documents in the order of the procedure (by the moment of issue)."""
    documents = db.session.scalars(service.list_documents(case_id=case_id, state="issued"))
    return sorted(documents, key=lambda d: (d.issued_at or d.created_at, d.id))


def _package_name(text: str) -> str:
    return storage.safe_filename(text.replace("/", "-").replace("\\", "-"))


def _document_items(documents: list[Document]) -> list[_Item]:
    registry = kinds.registry()
    items = []
    for seq, document in enumerate(documents, 1):
        stored = storage.get_file(document.pdf_file_id) if document.pdf_file_id else None
        if stored is None or stored.sha256 != document.sha256:
            raise storage.BlobCorrupted(_("文书 %(n)s 的签发文本缺失或与登记的哈希不一致",
                                          n=document.number or document.id))
        body = storage.read_bytes(stored.sha256)
        kind = registry.get(document.kind)
        note = ""
        if document.supersedes_id:
            old = db.session.get(Document, document.supersedes_id)
            note = _("更正%(n)s", n=old.number) if old is not None and old.number else _("更正")
        items.append(_Item(
            seq=seq, type="document", kind=document.kind,
            name=kind.name if kind else document.kind, number=document.number or "",
            date=document.issued_on.isoformat() if document.issued_on else "",
            path=f"originals/{seq:02d}-{_package_name(document.number or document.kind)}.pdf",
            data=body, content_type="application/pdf", note=note, record_id=document.id,
            issued_at=document.issued_at, pdf=body, pages=_page_count(body)))
    return items


def _user_names(ids) -> dict[int, str]:
    from enforcement.auth.models import User

    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    return {u.id: u.display_name
            for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def _evidence_items(case, start: int) -> list[_Item]:
    from enforcement.cases import service as cases

    records = cases.evidence_of(case)
    names = _user_names(i for e in records for i in e.collector_ids)
    items: list[_Item] = []
    for evidence in records:
        files = [storage.get_file(file_id) for file_id in evidence.file_ids]
        kind_label = _(cases.EVIDENCE_LABELS.get(evidence.kind, evidence.kind))
        for n, stored in enumerate(files, 1):
            seq = start + len(items)
            name = evidence.title + (f"（{n}/{len(files)}）" if len(files) > 1 else "")
            path = f"evidence/{seq:02d}-{_package_name(stored.filename)}"
            item = _Item(seq=seq, type="evidence", kind=evidence.kind, name=name, number="",
                         date=evidence.collected_on.isoformat(), path=path,
                         data=storage.read_bytes(stored.sha256),
                         content_type=stored.content_type, record_id=evidence.id)
            image = _page_image(item.data, stored.content_type)
            if image is None:
                item.note = _("%(k)s，原件见档案包", k=kind_label)
            else:
                item.note = kind_label
                item.html = _evidence_html(
                    item, image, kind=kind_label,
                    collectors="、".join(names.get(i, "") for i in evidence.collector_ids),
                    place=evidence.place, description=evidence.description,
                    filename=stored.filename)
                item.pdf = render.render_pdf(item.html)
                item.pages = _page_count(item.pdf)
            items.append(item)
    return items


@dataclass
class _Image:
    data_url: str
    width: int
    height: int


def _page_image(data: bytes, content_type: str) -> _Image | None:
    """The image as a ``data:`` URL for its archive page (JPEG or PNG, at most MAX_IMAGE_SIDE
    pixels on its long side, turned upright), or None if it is not an image the page can
    show."""
    if content_type not in PAGE_IMAGE_TYPES:
        return None
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
            oriented = orientation not in (None, 1)
            if orientation in (5, 6, 7, 8):      # a quarter turn: upright, it is the other way
                width, height = height, width
            if image.format in ("JPEG", "PNG") and max(width, height) <= MAX_IMAGE_SIDE \
                    and not oriented:
                mime = "image/jpeg" if image.format == "JPEG" else "image/png"
                return _Image(_data_url(mime, data), width, height)
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            out = io.BytesIO()
            if upright.mode in ("RGBA", "LA", "P"):
                upright.convert("RGBA").save(out, "PNG", optimize=True)
                mime = "image/png"
            else:
                upright.convert("RGB").save(out, "JPEG", quality=85)
                mime = "image/jpeg"
            return _Image(_data_url(mime, out.getvalue()), width, height)
    except Exception:   # not decodable here (damaged, a decompression bomb, …): no page
        current_app.logger.warning("archive: evidence image not decodable, listed only")
        return None


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


_EVIDENCE_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ @bottom-center {{ content: none; }} }}
h1.archive-evidence {{ margin: 0 0 4mm; font-size: 16pt; line-height: 1.4; text-align: center; }}
table.fields.archive-evidence {{ font-size: 10.5pt; }}
table.fields.archive-evidence th {{ width: 22mm; padding: 1mm 1.5mm; }}
table.fields.archive-evidence td {{ padding: 1mm 1.5mm; line-height: 1.4; }}
.archive-sha {{ font-size: 8pt; letter-spacing: 0; }}
.archive-picture {{ margin-top: 2mm; text-align: center; }}
.archive-picture img {{ width: 160mm; height: {image_height}mm; object-fit: contain;
  object-position: center top; }}
</style></head>
<body class="form">
<h1 class="archive-evidence">{title}</h1>
<table class="fields archive-evidence">
<colgroup><col class="kind-label"><col><col class="kind-label"><col></colgroup>
<tr><th>证据种类</th><td>{kind}</td><th>收集日期</th><td>{collected_on}</td></tr>
<tr><th>收集人</th><td>{collectors}</td><th>收集地点</th><td>{place}</td></tr>
{description_row}<tr><th>原始文件</th>
<td colspan="3">{filename}（{width}×{height} 像素，{size}）<br>
<span class="archive-sha">SHA-256：{sha256}</span></td></tr>
</table>
<div class="archive-picture"><img src="{src}" alt="{title}"></div>
</body></html>
"""


def _evidence_html(item: _Item, image: _Image, *, kind: str, collectors: str, place: str,
                   description: str, filename: str) -> str:
    description = (description or "").strip()
    if len(description) > 160:
        description = description[:159] + "…"
    row = Markup("<tr><th>证明事项</th><td colspan=\"3\">{}</td></tr>\n").format(description) \
        if description else ""
    return _EVIDENCE_PAGE.format(
        title=escape(item.name), kind=escape(kind), collected_on=render.cn_date(item.date),
        collectors=escape(collectors or "—"), place=escape(place or "—"),
        description_row=row, filename=escape(filename), width=image.width,
        height=image.height, size=_size_text(len(item.data)), sha256=item.sha256,
        src=image.data_url, image_height=165 if description else 175)


# -- layout: cover, 目录, page numbers -----------------------------------------------------------

def _page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def _cover_data(context: dict[str, Any], items: list[_Item], pages: int) -> dict[str, Any]:
    data = {key: value for key, value in context.items() if key != "title"}
    return {**data, "items_count": len(items), "pages": pages}


def _toc_data(context: dict[str, Any], items: list[_Item]) -> dict[str, Any]:
    return {"agency": context["agency"], "number": context["number"], "case": context["case"],
            "rows": [{"seq": i.seq, "name": i.name, "number": i.number, "date": i.date,
                      "page": i.first_page or "", "note": i.note} for i in items]}


@dataclass
class _Layout:
    cover_html: str
    toc_html: str
    cover_pdf: bytes
    toc_pdf: bytes
    cover_pages: int
    toc_pages: int
    total: int


def _lay_out(context: dict[str, Any], items: list[_Item]) -> _Layout:
    """Number the pages: cover, 目录, then the items; render the 目录 (and the cover, which
    states the total) until their page counts are what the numbering assumed."""
    cover_pages = toc_pages = 1
    for _attempt in range(6):
        page = cover_pages + toc_pages + 1
        for item in items:
            item.first_page = page if item.pages else None
            page += item.pages
        total = page - 1
        toc_html = render.render_html(TOC_TEMPLATE, _toc_data(context, items), draft=False)
        cover_html = render.render_html(COVER_TEMPLATE, _cover_data(context, items, total),
                                        draft=False)
        toc_pdf, cover_pdf = render.render_pdf(toc_html), render.render_pdf(cover_html)
        counted = _page_count(cover_pdf), _page_count(toc_pdf)
        if counted == (cover_pages, toc_pages):
            return _Layout(cover_html, toc_html, cover_pdf, toc_pdf, cover_pages, toc_pages,
                           total)
        cover_pages, toc_pages = counted
    raise RuntimeError("archive: the table of contents does not settle on a page count")


_STAMPS = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>页号</title>
<style>
@page {{ size: {w:.2f}pt {h:.2f}pt; margin: 0;
  @bottom-center {{ content: none; }} @bottom-left {{ content: none; }} }}
body {{ margin: 0; }}
div {{ height: {h:.2f}pt; font: 400 11pt/{h:.2f}pt "PE Serif", "PE Fallback";
  text-align: right; }}
div + div {{ break-before: page; }}
</style></head><body>{pages}</body></html>
"""


def _stamps(numbers: range, *, pdfa: bool) -> bytes:
    """One small page per number (the 页号 stamps, in the documents' own embedded font)."""
    html = _STAMPS.format(w=STAMP_BOX[0], h=STAMP_BOX[1],
                          pages="".join(f"<div>{n}</div>" for n in numbers))
    return render.render_pdf(html, pdfa=pdfa)


# -- merging ------------------------------------------------------------------------------------

def _flatten(document: pikepdf.Pdf) -> None:
    """Draw the visible signature appearances (number, code, QR) into the page content and
    drop the signature fields: a merged copy carries no valid signature anyway."""
    document.flatten_annotations("all")
    for page in document.pages:
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = [a for a in annots if a.get("/Subtype") != pikepdf.Name.Widget]
        if kept:
            page.obj.Annots = pikepdf.Array(kept)
        else:
            del page.obj["/Annots"]
    if "/AcroForm" in document.Root:
        del document.Root["/AcroForm"]


def _merge(layout: _Layout, items: list[_Item], context: dict[str, Any], *,
           pdfa: bool) -> bytes:
    cover = render.render_pdf(layout.cover_html, pdfa=True) if pdfa else layout.cover_pdf
    toc = render.render_pdf(layout.toc_html, pdfa=True) if pdfa else layout.toc_pdf
    parts = [toc]
    for item in items:
        if not item.pages:
            continue
        if item.html is not None and pdfa:
            parts.append(render.render_pdf(item.html, pdfa=True))
        else:
            parts.append(item.pdf)
    stamps = _stamps(range(2, layout.total + 1), pdfa=pdfa)

    sources: list[pikepdf.Pdf] = []
    out = pikepdf.open(io.BytesIO(cover))
    try:
        for part in parts:
            source = pikepdf.open(io.BytesIO(part))
            sources.append(source)
            _flatten(source)
            out.pages.extend(source.pages)
        if len(out.pages) != layout.total:
            raise RuntimeError(f"archive: {len(out.pages)} pages merged, "
                               f"{layout.total} laid out")
        stamp_pdf = pikepdf.open(io.BytesIO(stamps))
        sources.append(stamp_pdf)
        for index, stamp in enumerate(stamp_pdf.pages, 1):
            page = out.pages[index]
            x0, y0, x1, y1 = (float(v) for v in page.trimbox)
            right, top = x1 - STAMP_OFFSET[0], y1 - STAMP_OFFSET[1]
            page.add_overlay(stamp, pikepdf.Rectangle(right - STAMP_BOX[0], top - STAMP_BOX[1],
                                                      right, top))
        _outline(out, layout, items)
        if pdfa:
            _attach_originals(out, items)
        with out.open_metadata() as meta:
            meta["dc:title"] = context["title"]
            meta["dc:creator"] = [context["agency"]]
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
        return buffer.getvalue()
    finally:
        out.close()
        for source in sources:
            source.close()


def _outline(out: pikepdf.Pdf, layout: _Layout, items: list[_Item]) -> None:
    with out.open_outline() as outline:
        outline.root.clear()
        outline.root.append(pikepdf.OutlineItem("卷宗封面", 0))
        outline.root.append(pikepdf.OutlineItem("卷内目录", layout.cover_pages))
        for item in items:
            if item.first_page:
                title = f"{item.seq}. {item.name}" + (f" {item.number}" if item.number else "")
                outline.root.append(pikepdf.OutlineItem(title, item.first_page - 1))


def _attach_originals(out: pikepdf.Pdf, items: list[_Item]) -> None:
    """PDF/A-3 associated files: each issued original, unchanged, with its SHA-256."""
    associated = []
    for item in items:
        if item.type != "document":
            continue
        name = item.path.split("/", 1)[1]
        when = encode_pdf_date(item.issued_at) if item.issued_at else ""
        spec = pikepdf.AttachedFileSpec(
            out, item.data, filename=name, mime_type="application/pdf",
            description=f"{item.name} {item.number} SHA-256: {item.sha256}",
            creation_date=when, mod_date=when, relationship=pikepdf.Name.Source)
        out.attachments[name] = spec
        associated.append(out.attachments[name].obj)
    if associated:
        out.Root.AF = pikepdf.Array(associated)


# -- the package ----------------------------------------------------------------------------------

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _package(items: list[_Item], pdf: bytes, pdfa: bytes, head: dict[str, Any],
             when: datetime) -> tuple[bytes, dict[str, Any]]:
    stamp = clock.local(when).replace(tzinfo=None).timetuple()[:6]
    buffer = io.BytesIO()
    entries: list[dict[str, Any]] = []

    def write(archive: zipfile.ZipFile, name: str, data: bytes) -> dict[str, Any]:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, data)
        return {"file": name, "sha256": _sha256(data), "size": len(data)}

    with zipfile.ZipFile(buffer, "w") as archive:
        for item in items:
            written = write(archive, item.path, item.data)
            entries.append({
                "seq": item.seq, "type": item.type, "kind": item.kind, "name": item.name,
                "number": item.number, "date": item.date, **written,
                "content_type": item.content_type, "first_page": item.first_page,
                "pages_in_archive": item.pages,
                f"{item.type}_id": item.record_id})
        archived_pdf = write(archive, "archive.pdf", pdf)
        archived_pdfa = write(archive, "archive-pdfa.pdf", pdfa)
        manifest = {
            **head, "items": entries,
            "archive": {**archived_pdf, "pages": head["pages"]},
            "archive_pdfa": {**archived_pdfa, "pages": head["pages"],
                             "conformance": f"PDF/A-{PDFA_CONFORMANCE}"},
            "archive_sha256": archived_pdf["sha256"],
            "archive_pdfa_sha256": archived_pdfa["sha256"],
        }
        body = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        write(archive, "manifest.json", body)
    return buffer.getvalue(), manifest


# -- the whole ------------------------------------------------------------------------------------

def _context(case, data: dict[str, Any], user, today) -> dict[str, Any]:
    from enforcement.cases import service as cases

    archive_no = ""
    for action in reversed(cases.timeline(case)):
        if action.action == "archive":
            archive_no = (action.payload or {}).get("archive_no") or ""
            break
    number = data["case"]["number"]
    return {
        "agency": data["agency"],
        "number": number or "—",     # the form header's number line (never left blank)
        "case": {key: data["case"][key] for key in ("id", "number", "title", "procedure",
                                                    "filed_on", "closed_on")},
        "party": {"name": data["party"]["name"]},
        "officers": [o["name"] for o in data["officers"] if o["name"]],
        "retention": current_app.config.get("ARCHIVE_RETENTION") or RETENTION,
        "archived_on": (case.dates or {}).get("archived_on") or today.isoformat(),
        "archive_no": archive_no,
        "compiled_by": getattr(user, "display_name", "") or "",
        "title": f"行政处罚案卷 {number or case.id}",
    }


def build(case_id: int, user) -> ArchiveResult:
    """The archive of closed case ``case_id``: the PDF, its PDF/A-3b variant and the package,
    stored (see the module docstring); ``user`` is recorded as the one who compiled it.

    TransitionNotAllowed unless the case is 已结案 or 已归档; ValidationFailed if it has no
    issued document."""
    from enforcement.cases import service as cases

    case = cases.get_case(case_id)
    if case.state not in ARCHIVABLE_STATES:
        raise TransitionNotAllowed(_("案件当前为“%(s)s”，结案后才能生成归档案卷",
                                     s=_(cases.STATES[case.state])))
    documents = issued_documents(case.id)
    if not documents:
        message = _("本案没有已签发的文书，不能生成归档案卷。")
        raise ValidationFailed(message, errors={"documents": [message]})
    now = clock.now()
    with force_locale("zh_CN"):
        context = _context(case, builders.case_data(case.id), user, clock.today())
        items = _document_items(documents)
        items += _evidence_items(case, start=len(items) + 1)
        layout = _lay_out(context, items)
        pdf = _merge(layout, items, context, pdfa=False)
        pdfa = _merge(layout, items, context, pdfa=True)
    head = {
        "case_id": case.id, "case_number": context["case"]["number"],
        "case_title": context["case"]["title"], "party": context["party"]["name"],
        "agency": context["agency"], "retention": context["retention"],
        "archived_on": context["archived_on"], "archive_no": context["archive_no"],
        "generated_at": now.isoformat(), "generated_by": context["compiled_by"],
        "pages": layout.total,
    }
    package, manifest = _package(items, pdf, pdfa, head, now)
    stem = _package_name(context["case"]["number"] or f"case-{case.id}")
    user_id = getattr(user, "id", None)
    pdf_file = storage.store_bytes(pdf, f"{stem}-archive.pdf", user_id, generated=True)
    pdfa_file = storage.store_bytes(pdfa, f"{stem}-archive-pdfa.pdf", user_id, generated=True)
    zip_file = storage.store_bytes(package, f"{stem}-archive.zip", user_id, generated=True)
    return ArchiveResult(pdf=pdf_file, pdfa=pdfa_file, zip=zip_file, manifest=manifest,
                         pages=layout.total, zip_bytes=package)


# -- template check -------------------------------------------------------------------------------

SAMPLE_CONTEXT: dict[str, Any] = {
    "agency": "汶上县应急管理局", "number": "汶应急立〔2026〕1号",
    "case": {"id": 1, "number": "汶应急立〔2026〕1号", "title": "某公司未按规定维护除尘系统案",
             "procedure": "普通程序", "filed_on": "2026-11-02", "closed_on": "2026-11-17"},
    "party": {"name": "汶上县某某有限公司"}, "officers": ["张三", "李四"],
    "retention": RETENTION, "archived_on": "2026-11-18", "archive_no": "",
    "compiled_by": "张三", "title": "行政处罚案卷 汶应急立〔2026〕1号",
}


def check_templates() -> None:
    """Render the cover and the 目录 with sample data (a missing field raises
    TemplateDataError naming it)."""
    row = _Item(seq=1, type="document", kind="penalty_decision", name="行政处罚决定书",
                number="汶应急罚〔2026〕1号", date="2026-11-16", path="", data=b"",
                content_type="application/pdf", first_page=3, pages=2)
    render.render_html(COVER_TEMPLATE, _cover_data(SAMPLE_CONTEXT, [row], 4), draft=False)
    render.render_html(TOC_TEMPLATE, _toc_data(SAMPLE_CONTEXT, [row]), draft=False)

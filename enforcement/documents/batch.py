"""Batch printing (批量打印): many documents as one PDF for the printer, rendered on every core.

Start it as a background job; the page or endpoint that does so has checked that the user may
read the documents (the job checks again that the user exists and holds ``documents.read``)::

    from enforcement.core import jobs

    job = jobs.submit("enforcement.documents.batch:print_batch", document_ids, user.id,
                      name="批量打印文书", created_by=user.id)
    db.session.commit()              # the job starts once the transaction commits
    # the progress bar: /jobs/<job.id> (page) or GET /api/v1/jobs/<job.id> (JSON)

The result is ``{"file_id", "file_ids", "count", "pages", "seconds", "volumes"}`` plus
``endpoint``/``args``/``label``, with which the progress page links the (first) file.

What is printed, for each document in the order given, is what ``GET /documents/<id>/pdf``
returns (``service.pdf``): an issued document's stored PDF (number, seal, QR code), a signed
one's stored signed PDF, anything else rendered now with the 草稿 watermark.

How:

* The job's thread reads the documents and turns each one to be rendered into plain data —
  ``(template, data, draft)`` — so the renderers need no database and no application.
* ``render_many`` renders them in a ``ProcessPoolExecutor`` of ``os.cpu_count()`` processes:
  renders in one process are serialised by ``render``'s lock (and the GIL), so two cores need
  two processes. The workers are started by a *forkserver*, not forked from the web process:
  a fork copies the parent's locks as they are, and a request thread holding the render lock
  (or a GLib/Pango lock) at that moment would leave it locked in the child for ever. The
  forkserver is a fresh single-threaded process that has imported WeasyPrint once; each worker
  builds its own font configuration on its first document (``render`` starts afresh in a new
  process) and then renders warm.
* The PDFs are joined in order while the later ones are still rendering (``PrintCopy``). The
  joined file is a *print copy*: the visible issuing stamp (number, verification code, QR
  code) is drawn into the page, but the digital signatures do not survive a copy — the signed
  originals stay in storage and are what the verification page accepts.
* Storage refuses files over ``UPLOAD_MAX_OTHER_MB`` (20 MB by default) and every document
  embeds its own font subsets (100–250 KB a page), so a large batch is split into volumes
  (册) below that size, in order: ``file_ids`` lists them, ``file_id`` is the first.
  ``DOCUMENT_BATCH_VOLUME_MB`` makes volumes smaller; ``DOCUMENT_BATCH_WORKERS`` sets the
  number of processes (default: one per core).
* The pool's processes import the caller's main module as ``__mp_main__`` (as with any start
  method but fork): a script that starts a batch needs the ``if __name__ == "__main__":``
  guard — flask, gunicorn, rq and pytest have it.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from io import BytesIO
from typing import IO, Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from enforcement.documents import render

RenderItem = tuple[str, dict, bool]          # (template, plain data, draft)
Progress = Callable[[int, int], None]        # (documents finished, documents in all)

# What the forkserver imports once, before it forks any worker.
_PRELOAD = ["enforcement.documents.render", "weasyprint"]
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_PRINT, _HIDDEN = 4, 2                       # annotation flags
VOLUME_SHARE = 0.9                           # of the storage limit, for each volume


# -- rendering on every core ------------------------------------------------------------------

class RenderFailed(RuntimeError):
    """A document could not be rendered in a worker; the message is the original error's
    (e.g. ``"penalty_notice.html: missing field 'party'"``)."""


def _render_item(item: RenderItem) -> bytes:
    template, data, draft = item
    try:
        return render.render(template, data, draft=draft)
    except Exception as err:
        try:
            pickle.loads(pickle.dumps(err))
        except Exception:
            # it would not survive the way back to the parent (TemplateDataError's arguments
            # are not its message) and would break the pool: send its message instead
            raise RenderFailed(f"{err}") from None
        raise


def _worker_init(scratch: str) -> None:
    """In each worker: temporary files (WeasyPrint's copy of the @font-face fonts, ~19 MB) go
    to a folder the parent removes — a worker ends with os._exit, so WeasyPrint's own
    clean-up (a __del__) never runs there."""
    tempfile.tempdir = scratch


def _pool_context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)  # no effect once the forkserver runs: fine
    return context


def iter_rendered(items: list[RenderItem], workers: int,
                  on_done: Progress | None = None) -> Iterator[bytes]:
    """The PDFs of `items`, yielded in input order as soon as each is ready; ``on_done`` is
    called (in the caller's thread) with the number finished so far, in any order.

    ``workers`` ≥ 2 renders in that many processes (at most one per item); 1 or less renders
    here, one after the other. A failing item raises its exception when its turn comes, and
    the renders not yet started are cancelled."""
    total = len(items)
    if workers <= 1 or total <= 1:
        for n, item in enumerate(items, start=1):
            pdf = _render_item(item)
            if on_done:
                on_done(n, total)
            yield pdf
        return
    scratch = tempfile.mkdtemp(prefix="pe-batch-")
    pool = ProcessPoolExecutor(max_workers=min(workers, total), mp_context=_pool_context(),
                               initializer=_worker_init, initargs=(scratch,))
    try:
        futures: list[Future] = [pool.submit(_render_item, item) for item in items]
        pending = set(futures)
        finished = 0
        for future in futures:
            while future in pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                finished += len(done)
                if on_done:
                    on_done(finished, total)
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(scratch, ignore_errors=True)


def render_many(items: list[RenderItem], workers: int, *,
                on_done: Progress | None = None) -> list[bytes]:
    """Render ``(template, data, draft)`` items to PDFs with ``workers`` processes, returning
    them in input order (see ``iter_rendered``). Needs no application context."""
    return list(iter_rendered(items, workers, on_done))


# -- joining PDFs -----------------------------------------------------------------------------

class _Copier:
    """Copies objects of one source PDF into the writer, each indirect object once."""

    def __init__(self, writer: PdfFileWriter, mapped: dict[generic.Reference, Any]):
        self.writer = writer
        self.mapped = mapped
        self.queue: list[generic.Reference] = []

    def copy(self, obj: Any) -> Any:
        if isinstance(obj, generic.IndirectObject):
            ref = obj.reference
            if ref not in self.mapped:
                self.mapped[ref] = self.writer.allocate_placeholder()
                self.queue.append(ref)
            return self.mapped[ref]
        if isinstance(obj, generic.StreamObject):
            return generic.StreamObject({k: self.copy(v) for k, v in obj.items()},
                                        encoded_data=obj.encoded_data)
        if isinstance(obj, generic.DictionaryObject):
            return generic.DictionaryObject({k: self.copy(v) for k, v in obj.items()})
        if isinstance(obj, generic.ArrayObject):
            return generic.ArrayObject(self.copy(v) for v in obj)
        return obj

    def drain(self) -> None:
        while self.queue:
            ref = self.queue.pop()
            self.writer.add_object(self.copy(ref.get_object()),
                                   idnum=self.mapped[ref].idnum)


def _page_refs(reader: PdfFileReader) -> list[tuple[generic.IndirectObject, dict]]:
    """Every page in order, with the attributes it inherits from the page tree."""
    pages: list[tuple[generic.IndirectObject, dict]] = []
    seen: set[generic.Reference] = set()

    def walk(ref: generic.IndirectObject, inherited: dict) -> None:
        if ref.reference in seen:
            raise ValueError("the page tree has a loop")
        seen.add(ref.reference)
        node = ref.get_object()
        if "/Kids" not in node:
            pages.append((ref, inherited))
            return
        here = {**inherited, **{k: node.raw_get(k) for k in _INHERITED if k in node}}
        for kid in node["/Kids"]:
            walk(kid, here)

    walk(reader.root.raw_get("/Pages"), {})
    return pages


def _get(obj: generic.DictionaryObject, key: str, default: Any = None) -> Any:
    """obj[key] with an indirect value resolved (``dict.get`` would not resolve it)."""
    value = obj.raw_get(key) if key in obj else default
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def _number(value: Any) -> float:
    return float(value.get_object() if isinstance(value, generic.IndirectObject) else value)


def _fit(bbox: list[float], matrix: list[float], rect: list[float]) -> list[float]:
    """The matrix that places an annotation's appearance in its rectangle (ISO 32000-1
    12.5.5): the form's bounding box, transformed by its own matrix, scaled onto the rect."""
    a, b, c, d, e, f = matrix
    xs, ys = [], []
    for x in (bbox[0], bbox[2]):
        for y in (bbox[1], bbox[3]):
            xs.append(a * x + c * y + e)
            ys.append(b * x + d * y + f)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    rx0, rx1 = sorted((rect[0], rect[2]))
    ry0, ry1 = sorted((rect[1], rect[3]))
    sx = (rx1 - rx0) / (x1 - x0) if x1 > x0 else 1.0
    sy = (ry1 - ry0) / (y1 - y0) if y1 > y0 else 1.0
    return [sx, 0.0, 0.0, sy, rx0 - sx * x0, ry0 - sy * y0]


def _stamp(annotation: generic.DictionaryObject) -> tuple[Any, list[float]] | None:
    """A printable widget's appearance stream and where it goes, or None."""
    flags = int(_get(annotation, "/F", 0))
    if not flags & _PRINT or flags & _HIDDEN or "/AP" not in annotation:
        return None
    normal = _get(annotation, "/AP").raw_get("/N")
    rect = [_number(v) for v in _get(annotation, "/Rect")]
    if not isinstance(normal, generic.IndirectObject) or rect[0] == rect[2] \
            or rect[1] == rect[3]:
        return None
    form = normal.get_object()
    if not isinstance(form, generic.StreamObject) or "/BBox" not in form:
        return None
    bbox = [_number(v) for v in _get(form, "/BBox")]
    matrix = [_number(v) for v in _get(form, "/Matrix", [1, 0, 0, 1, 0, 0])]
    return normal, _fit(bbox, matrix, rect)


class PrintCopy:
    """Documents joined into one PDF for printing, page by page, in the order added.

    Form fields (the signatures) are flattened: a printable widget's appearance — the issuing
    stamp with the number and QR code — is drawn into the page, the fields themselves go."""

    def __init__(self):
        self.writer = PdfFileWriter()
        self.pages_ref = self.writer.root.raw_get("/Pages")
        self.documents = 0
        self.pages = 0
        self.size = 0                          # bytes added: about the size of the output
        self._save = self.writer.add_object(generic.StreamObject(stream_data=b"q\n"))

    def add(self, pdf: bytes) -> int:
        """Append every page of `pdf`; return how many."""
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        pages = _page_refs(reader)
        mapped: dict[generic.Reference, Any] = {
            ref.reference: self.writer.allocate_placeholder() for ref, _inherited in pages}
        copier = _Copier(self.writer, mapped)
        for ref, inherited in pages:
            self._add_page(ref, inherited, copier)
        self.documents += 1
        self.pages += len(pages)
        self.size += len(pdf)
        return len(pages)

    def _add_page(self, ref: generic.IndirectObject, inherited: dict, copier: _Copier) -> None:
        page = ref.get_object()
        body = generic.DictionaryObject(
            {**inherited, **{k: v for k, v in page.items() if k not in ("/Parent", "/Annots")}})
        stamps, kept = [], []
        for annotation_ref in _get(page, "/Annots") or []:
            annotation = annotation_ref.get_object()
            if _get(annotation, "/Subtype") == "/Widget":
                stamp = _stamp(annotation)
                if stamp:
                    stamps.append(stamp)
            else:
                kept.append(annotation_ref)
        if kept:
            body["/Annots"] = generic.ArrayObject(kept)
        body["/PEStamps"] = generic.ArrayObject(form for form, _matrix in stamps)
        copied = copier.copy(body)
        copier.drain()
        forms = copied.pop("/PEStamps")
        if stamps:
            self._draw(copied, [(form, matrix) for form, (_f, matrix) in zip(forms, stamps,
                                                                              strict=True)])
        copied["/Parent"] = self.pages_ref
        self.writer.add_object(copied, idnum=copier.mapped[ref.reference].idnum)
        tree = self.pages_ref.get_object()
        tree["/Kids"].append(copier.mapped[ref.reference])
        tree["/Count"] = generic.NumberObject(tree["/Count"] + 1)

    def _draw(self, page: generic.DictionaryObject, stamps: list[tuple[Any, list[float]]]) -> None:
        resources = generic.DictionaryObject(dict(_get(page, "/Resources", {}).items()))
        xobjects = generic.DictionaryObject(dict(_get(resources, "/XObject", {}).items()))
        ops = ["Q"]
        for i, (form, matrix) in enumerate(stamps):
            name = f"/PEStamp{i}"
            xobjects[generic.NameObject(name)] = form
            numbers = " ".join(f"{v:.4f}" for v in matrix)
            ops.append(f"q {numbers} cm {name} Do Q")
        resources["/XObject"] = xobjects
        page["/Resources"] = resources
        contents = _get(page, "/Contents")
        if contents is None:
            old = []
        elif isinstance(contents, generic.ArrayObject):
            old = list(contents)               # the array's items as references
        else:
            old = [page.raw_get("/Contents")]
        tail = self.writer.add_object(generic.StreamObject(stream_data="\n".join(ops).encode()))
        page["/Contents"] = generic.ArrayObject([self._save, *old, tail])

    def write(self, stream: IO[bytes]) -> None:
        self.writer.write(stream)

    def getvalue(self) -> bytes:
        out = BytesIO()
        self.write(out)
        return out.getvalue()


def concatenate(pdfs: Iterable[bytes]) -> tuple[bytes, int]:
    """Join PDFs into one print copy; return it and its number of pages."""
    copy = PrintCopy()
    for pdf in pdfs:
        copy.add(pdf)
    return copy.getvalue(), copy.pages


# -- the job ----------------------------------------------------------------------------------

def _plan(document) -> tuple[str, Any]:
    """("stored", sha256) for a signed or issued document, ("render", item) for the rest —
    the same choice as service.pdf."""
    from enforcement.core import storage
    from enforcement.documents import service

    if document.state == "issued" and document.pdf_file_id:
        return "stored", storage.get_file(document.pdf_file_id).sha256
    if document.signed_file_id and document.state in ("signed", "void"):
        return "stored", storage.get_file(document.signed_file_id).sha256
    kind = service.kind_of(document)
    data = service._render_data(document, signing=service._signing(document))
    return "render", (kind.template, data, True)


def _volume_limit(config, storage_limit: int) -> int:
    """Bytes of documents per volume: DOCUMENT_BATCH_VOLUME_MB if set, never more than
    VOLUME_SHARE of what storage accepts."""
    limit = int(storage_limit * VOLUME_SHARE)
    wanted = config.get("DOCUMENT_BATCH_VOLUME_MB")
    return min(limit, int(float(wanted) * 2**20)) if wanted else limit


def print_batch(ctx, document_ids: list[int], user_id: int) -> dict[str, Any]:
    """The job: the documents' PDFs joined in order into one print copy (or volumes), stored;
    returns {"file_id", "file_ids", "count", "pages", "seconds", "volumes", ...}."""
    from flask import current_app
    from flask_babel import gettext as _

    from enforcement.auth.models import User
    from enforcement.core import audit, storage
    from enforcement.core.errors import Forbidden, NotFound, ValidationFailed
    from enforcement.core.permissions import P
    from enforcement.documents import service
    from enforcement.extensions import db

    started = time.perf_counter()
    ids = [int(i) for i in document_ids]
    if not ids:
        raise ValidationFailed(_("没有要打印的文书"))
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.can(P.DOCUMENTS_READ):
        raise Forbidden(_("没有查看文书的权限"))
    username = user.username
    ctx.progress(0.0, _("准备 %(n)s 份文书", n=len(ids)))
    plans = []
    for document_id in ids:
        try:
            document = service.get_document(document_id)
        except NotFound:
            raise NotFound(_("文书 %(id)s 不存在", id=document_id)) from None
        plans.append(_plan(document))
    db.session.rollback()                     # no transaction open while rendering
    total = len(plans)
    items = [what for how, what in plans if how == "render"]
    workers = int(current_app.config.get("DOCUMENT_BATCH_WORKERS") or os.cpu_count() or 2)
    limit = _volume_limit(current_app.config, storage.limit_for("application/pdf"))
    counts = {"rendered": 0, "stored": 0}

    def report(rendered: int | None = None) -> None:
        if rendered is not None:
            counts["rendered"] = rendered
        done = counts["rendered"] + counts["stored"]
        ctx.progress(0.95 * done / total, _("已生成 %(n)s/%(total)s 份", n=done, total=total))

    rendered = iter_rendered(items, workers, lambda n, _total: report(n))
    volumes: list[IO[bytes]] = []
    pages = 0
    copy = PrintCopy()

    def close_volume() -> None:
        nonlocal pages
        handle = tempfile.TemporaryFile()
        copy.write(handle)
        volumes.append(handle)
        pages += copy.pages

    try:
        for position, (how, what) in enumerate(plans):
            try:
                if how == "stored":
                    pdf = storage.read_bytes(what)
                    counts["stored"] += 1
                    report()
                else:
                    pdf = next(rendered)
            except Exception as err:
                raise RuntimeError(_("文书 %(id)s：%(err)s", id=ids[position], err=err)) from err
            if copy.documents and copy.size + len(pdf) > limit:
                close_volume()
                copy = PrintCopy()
            copy.add(pdf)
        close_volume()
        ctx.progress(0.97, _("保存打印文件"))
        count = len(volumes)
        file_ids = []
        with audit.acting_as(user_id, username):
            for n, handle in enumerate(volumes, start=1):
                handle.seek(0)
                name = (_("批量打印-%(n)s份", n=total) if count == 1 else
                        _("批量打印-%(n)s份-第%(k)s册-共%(c)s册", n=total, k=n, c=count))
                file_ids.append(storage.store(handle, f"{name}.pdf", user_id).id)
            db.session.commit()
    finally:
        rendered.close()
        for handle in volumes:
            handle.close()
    label = (_("打开打印文件（%(n)s 份，%(p)s 页）", n=total, p=pages) if len(file_ids) == 1
             else _("打开第 1 册（共 %(c)s 册，%(n)s 份，%(p)s 页）", c=len(file_ids), n=total,
                    p=pages))
    return {"file_id": file_ids[0], "file_ids": file_ids, "count": total, "pages": pages,
            "volumes": len(file_ids), "seconds": round(time.perf_counter() - started, 2),
            "endpoint": "system_api.FileContent", "args": {"file_id": file_ids[0]},
            "label": label}

"""Batch printing: many documents rendered in several processes, in order, joined into one print
copy (or volumes) and stored by a background job."""

import copy
import re
import shutil
import subprocess

import pytest

from enforcement.core import jobs, storage
from enforcement.documents import batch
from enforcement.documents.builders import SAMPLES
from enforcement.extensions import db
from tests.conftest import bearer, wait_for_job
from tests.documents.test_document_api import _act, ca, decided_case  # noqa: F401

POPPLER = bool(shutil.which("pdftotext") and shutil.which("pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")


def pages_of(pdf: bytes, tmp_path, name: str = "x.pdf") -> int:
    path = tmp_path / name
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def text_of(pdf: bytes, tmp_path, name: str = "x.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-raw", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return re.sub(r"\s+", "", out)


def case_item(party: str, template: str = "penalty_notice.html", draft: bool = True):
    data = copy.deepcopy(SAMPLES["case"])
    data["party"]["name"] = party
    return template, data, draft


@needs_poppler
def test_render_many_on_two_processes_keeps_the_order(tmp_path):
    parties = ["汶上县甲号机械有限公司", "汶上县乙号化工有限公司", "汶上县丙号纺织有限公司",
               "汶上县丁号食品有限公司", "汶上县戊号建材有限公司"]
    items = [case_item(parties[0]), case_item(parties[1], "penalty_decision.html", False),
             case_item(parties[2], "service_receipt.html"), case_item(parties[3]),
             case_item(parties[4], "hearing_notice.html", False)]
    finished = []
    pdfs = batch.render_many(items, 2, on_done=lambda n, total: finished.append((n, total)))
    assert len(pdfs) == len(items)
    assert finished[-1] == (5, 5) and [n for n, _t in finished] == sorted(n for n, _t in finished)
    sequential = batch.render_many(items, 1)
    for i, (pdf, alone) in enumerate(zip(pdfs, sequential, strict=True)):
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        text = text_of(pdf, tmp_path)
        assert parties[i] in text
        assert all(other not in text for other in parties if other != parties[i])
        assert ("草稿" in text) is items[i][2]
        assert pages_of(pdf, tmp_path) == pages_of(alone, tmp_path, "alone.pdf")

    joined, pages = batch.concatenate(pdfs)
    assert pages == sum(pages_of(pdf, tmp_path) for pdf in pdfs) == pages_of(joined, tmp_path)
    text = text_of(joined, tmp_path)
    assert [text.index(p) for p in parties] == sorted(text.index(p) for p in parties)


def test_a_failing_item_names_its_field():
    broken = case_item("汶上县某公司")
    del broken[1]["party"]
    with pytest.raises(batch.RenderFailed, match="penalty_notice.html: missing field 'party'"):
        batch.render_many([case_item("汶上县某公司"), broken], 2)


# -- the job ----------------------------------------------------------------------------------

def _run(function_args, user_id):
    job_id = jobs.submit("enforcement.documents.batch:print_batch", *function_args, user_id,
                         name="批量打印文书", created_by=user_id).id
    db.session.commit()
    return wait_for_job(job_id, timeout=120.0, poll=0.1)


@pytest.mark.committed
@needs_poppler
def test_print_job_joins_drafts_and_issued_documents(app, client, people, ca,  # noqa: F811
                                                     decided_case, tmp_path):  # noqa: F811
    users, tokens = people
    officer, reviewer = tokens["officer"], tokens["reviewer"]
    ids = []
    for kind in ("penalty_decision", "service_receipt", "payment_demand"):
        r = client.post("/api/v1/documents", headers=bearer(officer),
                        json={"kind": kind, "case_id": decided_case.id})
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    # the first is signed and issued: printed from storage, with its number stamped in
    assert _act(client, officer, ids[0], "submit").status_code == 200
    assert _act(client, reviewer, ids[0], "sign").status_code == 200
    issued = _act(client, officer, ids[0], "issue")
    assert issued.status_code == 200, issued.get_json()
    number = issued.get_json()["number"]
    singles = [client.get(f"/api/v1/documents/{i}/pdf", headers=bearer(officer)).data
               for i in ids]
    expected = [pages_of(pdf, tmp_path) for pdf in singles]

    done = _run([ids], users["officer"].id)
    assert done.state == "done", done.error
    assert done.progress == 1.0
    result = done.result
    assert result["count"] == 3 and result["pages"] == sum(expected)
    assert result["file_ids"] == [result["file_id"]] and result["volumes"] == 1
    assert result["seconds"] > 0
    record = storage.get_file(result["file_id"])
    assert record.content_type == "application/pdf" and record.uploaded_by == users["officer"].id
    joined = storage.read_bytes(record.sha256)
    assert pages_of(joined, tmp_path) == sum(expected)
    text = text_of(joined, tmp_path)
    # the issued one first (its number comes from the flattened issuing stamp), then the drafts
    assert number.replace(" ", "") in text
    first, second, third = (text.index(t) for t in ("行政处罚决定书", "送达回执", "罚款催缴通知书"))
    assert first < second < third and text.index(number) < second
    assert "草稿" in text[second:]
    # the progress page links the file
    assert result["endpoint"] == "system_api.FileContent"
    content = client.get(f"/api/v1/files/{result['file_id']}/content", headers=bearer(officer))
    assert content.status_code == 200 and content.data == joined

    # small volumes: one document each, in order, with the same pages
    app.config["DOCUMENT_BATCH_VOLUME_MB"] = 0.01
    try:
        done = _run([ids], users["officer"].id)
    finally:
        app.config.pop("DOCUMENT_BATCH_VOLUME_MB")
    assert done.state == "done", done.error
    assert done.result["volumes"] == 3 and len(done.result["file_ids"]) == 3
    volumes = [storage.read_bytes(storage.get_file(i).sha256) for i in done.result["file_ids"]]
    assert [pages_of(v, tmp_path) for v in volumes] == expected
    assert "第1册-共3册" in storage.get_file(done.result["file_ids"][0]).filename


@pytest.mark.committed
def test_print_job_refuses_unknown_documents_and_readers_without_permission(app, make_user):
    officer = make_user(["officer"])
    done = _run([[999_999]], officer.id)
    assert done.state == "failed" and "999999" in done.error
    outsider = make_user(["expert"])
    done = _run([[1]], outsider.id)
    assert done.state == "failed" and "权限" in done.error

"""Batch printing: 500 one-page documents rendered on every core, joined into a print copy.

1. ``batch.render_many`` with 2 worker processes, and in this one process for comparison
   (the same documents: seven one-page case kinds, each with its own party name).
2. Joining the 500 PDFs (``batch.PrintCopy``, pyHanko) alone.
3. The real job path on a throw-away SQLite app: 500 draft documents of a case, then
   ``jobs.submit("enforcement.documents.batch:print_batch", ids, user_id)`` on the in-process
   job threads — read, render (2 processes), join, store — timed from the commit to "done".
4. The same job for 500 issued documents, whose signed PDFs come from storage (no rendering).

Run: .venv/bin/python bench/documents_batch.py [documents=500] [sequential documents=500]
     (target: 500 documents as a batch job on 2 cores ≥ 8 documents per second)
"""

from __future__ import annotations

import copy
import os
import sys
import time
from datetime import date
from pathlib import Path

from _app import make_app

KINDS = ("penalty_notice", "hearing_notice", "filing_approval", "interview_record",
         "service_receipt", "payment_demand", "closing_approval")   # one page each
PASSPHRASE = "bench-only-passphrase"


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"


def sample(n: int) -> dict:
    from enforcement.documents.builders import SAMPLES

    data = copy.deepcopy(SAMPLES["case"])
    data["party"]["name"] = f"汶上县第{n + 1}号机械制造有限公司"
    return data


def items(count: int) -> list[tuple[str, dict, bool]]:
    from enforcement.documents import kinds

    registry = kinds.load(check=False)
    return [(registry.get(KINDS[n % len(KINDS)]).template, sample(n), True)
            for n in range(count)]


def wait_for(app, job_id: str) -> tuple[object, int]:
    """Poll until the job ends; also count the distinct progress values it showed."""
    from sqlalchemy.orm import Session

    from enforcement.core import jobs
    from enforcement.extensions import db

    seen = set()
    with app.app_context():
        while True:
            live = jobs._live.get(job_id)
            if live:
                seen.add(live)
            with Session(db.engine) as session:
                job = session.get(jobs.Job, job_id)
                if job.finished:
                    session.expunge(job)
                    return job, len(seen)
            time.sleep(0.05)


def run_job(app, ids: list[int], user_id: int) -> tuple[object, float, int]:
    from enforcement.core import jobs
    from enforcement.extensions import db

    with app.app_context():
        job_id = jobs.submit("enforcement.documents.batch:print_batch", ids, user_id,
                             name="批量打印文书", created_by=user_id).id
        start = time.perf_counter()
        db.session.commit()                    # the job starts now
    job, reports = wait_for(app, job_id)
    return job, time.perf_counter() - start, reports


def setup(app, count: int) -> tuple[int, list[int], list[int]]:
    """A user, a case, `count` draft documents of it and `count` issued ones."""
    from enforcement.auth import service as auth
    from enforcement.cases import service as cases
    from enforcement.core import clock, storage
    from enforcement.documents import kinds, pki, render
    from enforcement.documents.models import Document
    from enforcement.enterprises import service as enterprises
    from enforcement.enterprises import uscc
    from enforcement.extensions import db

    with app.app_context():
        officers = [auth.create_user(auth.AccountData(
            username=f"bench{n}", display_name=f"基准执法{n}", roles=["officer"],
            password="Bench-pass-2026", certificate_no=f"B{n:07d}",
            must_change_password=False)) for n in range(2)]
        plant = enterprises.create_enterprise({
            "uscc": uscc.generate("370830", seed=11), "name": "汶上县基准机械有限公司",
            "township": "南站镇", "industry_code": "C3311"}, None)
        case = cases.create({"enterprise_id": plant.id, "source": "complaint",
                             "facts": "现场发现除尘系统未按规定维护。",
                             "violation_codes": ["SCL99-2"], "discovered_on": clock.today(),
                             "officer_ids": [o.id for o in officers]}, officers[0])
        registry = kinds.load()
        drafts = []
        for n in range(count):
            kind = registry.get(KINDS[n % len(KINDS)])
            drafts.append(Document(kind=kind.code, state="draft", title=f"{kind.name} {n}",
                                   data=sample(n), template_version=registry.template_version(
                                       kind), number_code=kind.number_code,
                                   created_by=officers[0].id, history=[], case_id=case.id))
        db.session.add_all(drafts)
        # one signed + issued PDF, stored once, behind `count` issued documents
        pki_dir = Path(app.instance_path) / "pki"
        pki.init_ca(pki_dir, passphrase=PASSPHRASE)
        pki.issue_user("bench0", "基准审核员", pki_dir, passphrase=PASSPHRASE)
        signed = pki.sign_pdf(render.render("penalty_notice.html", sample(0), draft=False),
                              pki.user_signer("bench0", pki_dir, passphrase=PASSPHRASE),
                              field_name="reviewer", reason="法制审核")
        issued = pki.issue_pdf(signed, pki.bureau_signer(pki_dir, passphrase=PASSPHRASE),
                               number="汶应急罚告〔2026〕1号", code="BNCH-0001",
                               url="/verify/BNCH0001")
        stored = storage.store_bytes(issued, "issued.pdf", officers[0].id)
        kind = registry.get("penalty_notice")
        done = [Document(kind=kind.code, state="issued", title=f"{kind.name} {n}",
                         data=sample(n), template_version=registry.template_version(kind),
                         number_code=kind.number_code, number=f"汶应急罚告〔2026〕{n + 1}号",
                         number_year=2026, number_value=n + 1,
                         verification_code=f"B{n:07d}", sha256=stored.sha256,
                         pdf_file_id=stored.id, signed_file_id=stored.id,
                         issued_on=date(2026, 11, 2), created_by=officers[0].id, history=[],
                         case_id=case.id) for n in range(count)]
        db.session.add_all(done)
        db.session.commit()
        return officers[0].id, [d.id for d in drafts], [d.id for d in done]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    sequential = int(sys.argv[2]) if len(sys.argv) > 2 else count
    app, _instance = make_app("documents-batch")
    from enforcement.documents import batch

    print(f"batch printing: {count} one-page documents ({', '.join(KINDS)}), "
          f"{os.cpu_count()} CPUs")

    work = items(count)
    print(f"  render_many, 2 processes:  ({load()})", flush=True)
    start = time.perf_counter()
    pdfs = batch.render_many(work, 2)
    two = time.perf_counter() - start
    print(f"    {two:6.1f} s = {count / two:5.1f} documents/s (pool start and each worker's "
          f"first, cold render included)  ({load()})", flush=True)

    start = time.perf_counter()
    batch.render_many(work[:1], 1)             # warm this process first
    warm = time.perf_counter() - start
    start = time.perf_counter()
    batch.render_many(work[:sequential], 1)
    one = time.perf_counter() - start
    print(f"  render_many, this process alone (warm; warming took {warm:.1f} s):")
    print(f"    {one:6.1f} s = {sequential / one:5.1f} documents/s; 2 processes are "
          f"{(count / two) / (sequential / one):.2f}× that  ({load()})", flush=True)

    start = time.perf_counter()
    cpu = time.process_time()
    joined = batch.PrintCopy()
    for pdf in pdfs:
        joined.add(pdf)
    body = joined.getvalue()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    budget = batch._volume_limit({}, 20 * 2**20)
    volumes, size = 1, 0
    for pdf in pdfs:
        if size and size + len(pdf) > budget:
            volumes, size = volumes + 1, 0
        size += len(pdf)
    print(f"  joining {count} PDFs alone: {seconds:.1f} s ({cpu * 1000 / count:.0f} ms CPU a "
          f"document), {joined.pages} pages, {len(body) / 2**20:.0f} MB "
          f"→ {volumes} volume(s) under the default 20 MB storage limit", flush=True)
    del pdfs, body, joined

    user_id, drafts, issued = setup(app, count)
    job, wall, reports = run_job(app, drafts, user_id)
    assert job.state == "done", job.error
    result = job.result
    print(f"  job print_batch, {count} drafts (read, render on 2 processes, join, store):  "
          f"({load()})")
    print(f"    {wall:6.1f} s from commit to done = {count / wall:5.1f} documents/s "
          f"(target ≥ 8: {'met' if count / wall >= 8 else 'NOT met'}); job's own "
          f"{result['seconds']} s; {result['pages']} pages in {result['volumes']} volume(s); "
          f"the progress bar moved through {reports} values", flush=True)

    job, wall, reports = run_job(app, issued, user_id)
    assert job.state == "done", job.error
    result = job.result
    print(f"  job print_batch, {count} issued documents from storage (read, verify hash, "
          f"join with the stamp drawn in, store):")
    print(f"    {wall:6.1f} s from commit to done = {count / wall:5.1f} documents/s; "
          f"{result['pages']} pages in {result['volumes']} volume(s)  ({load()})")


if __name__ == "__main__":
    main()

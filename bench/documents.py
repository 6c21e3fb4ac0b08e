"""One-page document in a warm process: our render + sign against WeasyPrint alone on the same
HTML (our overhead) and against LibreOffice converting the same document (``soffice
--headless``, one CLI call per document), all measured in this one run.

- ours: ``render.render`` (sandboxed Jinja → HTML, then WeasyPrint with the shared font
  configuration, the pre-parsed documents.css and the static-only URL fetcher, under the render
  lock) + ``pki.sign_pdf`` (PAdES B-B, EC P-256, the reviewer's certificate): what signing a
  行政处罚告知书 costs (``service._sign`` without the database).
- WeasyPrint alone: ``weasyprint.HTML(string=html).write_pdf()`` on the HTML our template
  produced, with the same stylesheet and fonts, set up once as any warm WeasyPrint user would
  (its own FontConfiguration and parsed CSS; WeasyPrint's default URL fetcher) — no Jinja, no
  URL filter, no lock, no signature. Not ``render.render_pdf``, which is our wrapper.
- LibreOffice: the same HTML with its stylesheet linked, converted by
  ``soffice --headless --convert-to pdf`` (a fresh process per document, a profile of its own).

Nothing persistent is made: the CA and the reviewer's certificate live in a temporary folder.

Run: .venv/bin/python bench/documents.py [iterations=30] [libreoffice iterations=5]
     (target: ≤ 250 ms median render + sign)
"""

from __future__ import annotations

import copy
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEMPLATE = "penalty_notice.html"
PASSPHRASE = "bench-only-passphrase"
SOFFICE = shutil.which("soffice") or ("/usr/bin/soffice" if os.path.exists("/usr/bin/soffice")
                                      else None)


def ms(seconds: list[float]) -> tuple[float, float]:
    """Median and 90th percentile in milliseconds."""
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p90 * 1000


def pages(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def libreoffice(html_path: Path, out_dir: Path, profile: Path) -> tuple[float, bytes]:
    start = time.perf_counter()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(html_path)],
                   check=True, capture_output=True, timeout=300)
    elapsed = time.perf_counter() - start
    out = out_dir / (html_path.stem + ".pdf")
    body = out.read_bytes()
    out.unlink()
    return elapsed, body


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    lo_iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    load_before = os.getloadavg()
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from enforcement import ROOT
    from enforcement.documents import pki, render
    from enforcement.documents.builders import SAMPLES

    tmp = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    try:
        pki.init_ca(tmp / "pki", passphrase=PASSPHRASE)
        pki.issue_user("bench", "基准审核员", tmp / "pki", passphrase=PASSPHRASE)
        signer = pki.user_signer("bench", tmp / "pki", passphrase=PASSPHRASE)
        # a signed 行政处罚告知书 before issue: no number yet, the reviewer's block and the seal
        data = copy.deepcopy(SAMPLES["case"])
        data["number"] = ""
        data["signing"] = {"reviewer": "基准审核员", "role": "法制审核人员",
                           "at": "2026-11-18 10:00", "seal": True}
        html = render.render_html(TEMPLATE, data, draft=False)

        def ours() -> tuple[float, float, bytes]:
            start = time.perf_counter()
            body = render.render(TEMPLATE, data, draft=False)
            middle = time.perf_counter()
            signed = pki.sign_pdf(body, signer, field_name="reviewer",
                                  reason="法制审核：行政处罚告知书", location="汶上县应急管理局",
                                  name="基准审核员")
            return middle - start, time.perf_counter() - middle, signed

        font_config = FontConfiguration()
        stylesheet = weasyprint.CSS(filename=str(render.STATIC / render.STYLESHEET),
                                    font_config=font_config)

        def weasyprint_alone() -> tuple[float, bytes]:
            start = time.perf_counter()
            body = weasyprint.HTML(string=html, base_url=render.BASE_URL).write_pdf(
                stylesheets=[stylesheet], font_config=font_config)
            return time.perf_counter() - start, body

        for _ in range(3):                     # warm both: imports, fonts, caches
            _r, _s, signed = ours()
            _w, plain = weasyprint_alone()
        renders, signs, totals, alone = [], [], [], []
        for _ in range(iterations):            # interleaved, so both see the same load
            r, s, signed = ours()
            renders.append(r)
            signs.append(s)
            totals.append(r + s)
            w, plain = weasyprint_alone()
            alone.append(w)

        lo_times: list[float] = []
        lo_pages = 0
        lo_note = ""
        if SOFFICE:
            source = tmp / "penalty_notice.html"
            source.write_text(render.render_html(TEMPLATE, data, draft=False,
                                                 base_url=ROOT.resolve().as_uri() + "/"),
                              encoding="utf-8")
            out_dir = tmp / "lo-out"
            out_dir.mkdir()
            profile = tmp / "lo-profile"
            try:
                first, _body = libreoffice(source, out_dir, profile)   # creates the profile
                for _ in range(lo_iterations):
                    seconds, body = libreoffice(source, out_dir, profile)
                    lo_times.append(seconds)
                lo_pages = pages(body)
                lo_note = f"first call (profile creation) {first * 1000:.0f} ms, not counted"
            except (subprocess.SubprocessError, OSError) as err:
                lo_times = []
                lo_note = f"LibreOffice failed: {err}"
        else:
            lo_note = "LibreOffice is not installed (no soffice on PATH nor /usr/bin/soffice)"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    load_after = os.getloadavg()
    total_med, total_p90 = ms(totals)
    render_med, render_p90 = ms(renders)
    sign_med, sign_p90 = ms(signs)
    alone_med, alone_p90 = ms(alone)
    print(f"one-page document ({TEMPLATE}, {pages(signed)} page, {len(signed) // 1024} KB "
          f"signed), warm process, {iterations} iterations, {os.cpu_count()} CPUs, "
          f"load average {load_before[0]:.2f} before / {load_after[0]:.2f} after")
    print(f"  ours: render + sign          median {total_med:6.0f} ms  p90 {total_p90:6.0f} ms"
          f"  (target ≤ 250 ms median: {'met' if total_med <= 250 else 'NOT met'})")
    print(f"    render only (HTML + PDF)   median {render_med:6.0f} ms  p90 {render_p90:6.0f} ms")
    print(f"    sign only (PAdES, P-256)   median {sign_med:6.0f} ms  p90 {sign_p90:6.0f} ms")
    print(f"  WeasyPrint alone, same HTML  median {alone_med:6.0f} ms  p90 {alone_p90:6.0f} ms"
          f"  ({pages(plain)} page, {len(plain) // 1024} KB)")
    print(f"    ours / WeasyPrint alone = {total_med / alone_med:.2f}× "
          f"(render only: {render_med / alone_med:.2f}×)")
    if lo_times:
        lo_med, lo_p90 = ms(lo_times)
        print(f"  LibreOffice CLI, same HTML   median {lo_med:6.0f} ms  p90 {lo_p90:6.0f} ms"
              f"  ({len(lo_times)} runs, {lo_pages} page; {lo_note})")
        print(f"    ours / LibreOffice = {total_med / lo_med:.2f}×")
    else:
        print(f"  LibreOffice: skipped — {lo_note}")


if __name__ == "__main__":
    main()

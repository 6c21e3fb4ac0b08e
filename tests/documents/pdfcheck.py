"""Checks on signed PDFs that several document tests share: poppler's pdfsig, and where to
change a byte inside a page's content."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader

PDFSIG = shutil.which("pdfsig")


def run_pdfsig(pdf: bytes, tmp_path, *options: str) -> str:
    """pdfsig's report on ``pdf`` (written to a file under ``tmp_path``)."""
    assert PDFSIG, "pdfsig is missing: apt-get install -y poppler-utils (scripts/sysdeps.sh)"
    path = tmp_path / f"pdfsig-{time.monotonic_ns()}.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([PDFSIG, *options, str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    return done.stdout


def validations(pdfsig_output: str) -> list[str]:
    """One "Signature is Valid." (or the failure) per signature in pdfsig's report."""
    return re.findall(r"Signature Validation: (.+)", pdfsig_output)


def content_stream_offset(pdf: bytes) -> int:
    """An offset inside the first page's content stream data."""
    reader = PdfFileReader(BytesIO(pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    ref = page.raw_get("/Contents")
    match = re.search(rb"(?<!\d)%d %d obj" % (ref.idnum, ref.generation), pdf)
    start = pdf.index(b"stream", match.end()) + len(b"stream")
    return start + 12

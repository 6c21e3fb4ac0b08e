"""Issuing a reviewed document: the bureau's visible signature (pki.issue_pdf) shows the number,
the verification code and a QR code of the verification URL, and the reviewer's earlier
signature stays valid (pyHanko and pdfsig).

Pure tests: a fresh ``pki_dir`` under a temporary folder, an explicit passphrase, no app. Page 1
is rendered to ``test-artifacts/documents/issue-stamp.png`` for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import time
from io import BytesIO

import pytest
import segno
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from enforcement import ROOT
from enforcement.documents import pki
from tests.documents.pdfcheck import content_stream_offset, run_pdfsig, validations

PASS = "test-issue-passphrase"
NUMBER = "汶应急罚〔2026〕12号"
CODE = "K7Q2-9XHD"
URL = "https://example.invalid/verify/K7Q2-9XHD"
ARTIFACTS = ROOT / "test-artifacts" / "documents"
FONTS = ROOT / "static" / "fonts"
PDFTOPPM = shutil.which("pdftoppm")
ZBARIMG = shutil.which("zbarimg")
A4 = (595.28, 841.89)
MARGIN = 25 * 72 / 25.4  # the form page's margins

# A form page as the renderer lays it out: agency and title centred, then the issue box left
# blank on the right (its top 2 mm under the title, like the number line), then the text.
PAGE_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><style>
@font-face { font-family: "T Serif"; src: url("%(serif)s"); }
@font-face { font-family: "T Sans"; src: url("%(sans)s"); font-weight: 700; }
@page { size: A4; margin: 25mm; }
body { margin: 0; font: 12pt/1.5 "T Serif"; }
.agency, h1 { margin: 0; text-align: center; font: 700 16pt/1.4 "T Sans"; }
h1 { margin-top: 1mm; font-size: 18pt; letter-spacing: 0.1em; }
.issue-box { height: 62pt; margin-top: 2mm; }
p { margin: 0; text-indent: 2em; text-align: justify; }
</style></head><body>
<div class="agency">汶上县应急管理局</div>
<h1>行政处罚决定书</h1>
<div class="issue-box"></div>
<p>当事人：汶上县某某化工有限公司，统一社会信用代码 91370830MA3XXXXXXX。</p>
<p>经查，你单位于 2026 年 3 月 5 日未按规定对重大危险源进行安全评估，违反了《中华人民共和国\
安全生产法》第四十条第一款的规定。依据该法第一百零一条第二项，决定给予罚款人民币贰万元整的\
行政处罚。</p>
<p>如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起\
行政诉讼。</p>
</body></html>"""


@pytest.fixture(scope="module")
def page_pdf() -> bytes:
    import weasyprint

    html = PAGE_HTML % {
        "serif": (FONTS / "NotoSerifCJKsc-Regular-GB2312.otf").as_uri(),
        "sans": (FONTS / "NotoSansCJKsc-Bold-GB2312.otf").as_uri()}
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Count"] == 1
    return pdf


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("issue") / "pki"
    pki.init_ca(path, passphrase=PASS)
    pki.issue_user("reviewer1", "李审核", path, passphrase=PASS)
    return path


@pytest.fixture(scope="module")
def bureau(pki_dir) -> pki.Signer:
    return pki.bureau_signer(pki_dir, passphrase=PASS)


@pytest.fixture(scope="module")
def reviewed(page_pdf, pki_dir) -> bytes:
    reviewer = pki.user_signer("reviewer1", pki_dir, passphrase=PASS)
    return pki.sign_pdf(page_pdf, reviewer, field_name="reviewer", reason="法制审核",
                        location="汶上县")


@pytest.fixture(scope="module")
def issued(reviewed, bureau) -> bytes:
    return pki.issue_pdf(reviewed, bureau, number=NUMBER, code=CODE, url=URL,
                         location="汶上县")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def issue_widget(pdf: bytes):
    page = PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Kids"][0].get_object()
    [widget] = [a.get_object() for a in page["/Annots"]
                if a.get_object().get("/T") == "bureau-issue"]
    return widget


def test_default_box_lies_in_the_text_block_of_page_one():
    x1, y1, x2, y2 = pki.ISSUE_BOX
    assert MARGIN <= x1 < x2 <= A4[0] - MARGIN
    assert MARGIN <= y1 < y2 <= A4[1] - MARGIN
    assert all(float(v).is_integer() for v in pki.ISSUE_BOX)
    assert (x2 - x1, y2 - y1) == (180, 62)


def test_the_stamp_font_is_the_most_complete_face():
    path = pki.issue_font_path()
    assert path.parent == FONTS and path.suffix == ".otf"
    if (FONTS / "NotoSansCJKsc-Regular.otf").is_file():  # the complete face, when present
        assert path.name == "NotoSansCJKsc-Regular.otf"
        assert {ord(c) for c in "喆𠮷〇"} <= pki._issue_font().codepoints


# -- validation -------------------------------------------------------------------------------

def test_reviewer_and_bureau_signatures_validate_in_pyhanko(issued, reviewed, pki_dir):
    assert issued.startswith(reviewed)  # an incremental update: the reviewed bytes unchanged
    checks = pki.validate_pdf(issued, pki_dir)
    assert [c.field for c in checks] == ["reviewer", "bureau-issue"]
    for check in checks:
        assert check.intact and check.valid and check.trusted and check.ok, check
    reviewer, bureau = checks
    assert reviewer.signer == "李审核" and not reviewer.covers_whole_file
    assert reviewer.message == "其后有追加的签名"  # only a signature was added after it
    assert bureau.signer == "汶上县应急管理局 电子公章" and bureau.covers_whole_file
    assert bureau.message == "签名有效，文件自签名后未被改动"


def test_the_stamp_is_a_printed_widget_with_the_number_and_code(issued):
    widget = issue_widget(issued)
    assert widget["/FT"] == "/Sig" and "/V" in widget
    assert [float(v) for v in widget["/Rect"]] == [float(v) for v in pki.ISSUE_BOX]
    assert int(widget["/F"]) & 4  # Print: the stamp is on paper too

    appearance = widget["/AP"]["/N"].get_object()
    data = appearance.data
    texts = [raw.decode("utf-16") for raw in _actual_texts(data)]  # BOM FE FF
    assert texts == [NUMBER, f"验证码 {CODE}"]
    # every glyph is a real one (CID 0 is .notdef, the "tofu" box)
    glyph_runs = re.findall(rb"\[<([0-9a-f]+)>\] TJ", data)
    assert len(glyph_runs) == 2
    for run_hex in glyph_runs:
        cids = [run_hex[i:i + 4] for i in range(0, len(run_hex), 4)]
        assert b"0000" not in cids, run_hex
    font = appearance["/Resources"]["/Font"]["/F1"].get_object()
    [descendant] = font["/DescendantFonts"]
    descriptor = descendant.get_object()["/FontDescriptor"].get_object()
    assert "/FontFile3" in descriptor  # embedded
    assert "NotoSansCJKsc" in str(font["/BaseFont"]) or "NotoSerifCJKsc" in str(
        font["/BaseFont"])
    assert "/QR" in appearance["/Resources"]["/XObject"]


def _actual_texts(data: bytes) -> list[bytes]:
    """The /ActualText strings (UTF-16BE with BOM) of a content stream, unescaped."""
    out = []
    for raw in re.findall(rb"/ActualText \(((?:\\.|[^\\)])*)\)", data, flags=re.S):
        out.append(_unescape(raw))
    return out


def _unescape(raw: bytes) -> bytes:
    result, i = bytearray(), 0
    escapes = {b"n": 10, b"r": 13, b"t": 9, b"b": 8, b"f": 12, b"(": 40, b")": 41, b"\\": 92}
    while i < len(raw):
        if raw[i:i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                result.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
                continue
            result.append(escapes.get(raw[i + 1:i + 2], raw[i + 1]))
            i += 2
            continue
        result.append(raw[i])
        i += 1
    return bytes(result)


def test_pdfsig_says_both_signatures_are_valid(issued, tmp_path):
    output = run_pdfsig(issued, tmp_path, "-nocert")
    assert validations(output) == ["Signature is Valid."] * 2, output
    assert re.findall(r"Signature Field Name: (.+)", output) == ["reviewer", "bureau-issue"]
    assert output.count("Total document signed") == 1
    assert output.rstrip().endswith("Signature Validation: Signature is Valid.")
    last = output.split("Signature #2:")[1]
    assert "Total document signed" in last


# -- what the page shows ----------------------------------------------------------------------

@pytest.mark.skipif(not PDFTOPPM, reason="pdftoppm (poppler-utils) is not installed")
def test_page_one_shows_the_stamp_and_the_qr_code_encodes_the_url(issued, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = tmp_path / "issued.pdf"
    pdf_path.write_bytes(issued)
    done = run(PDFTOPPM, "-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile",
               str(pdf_path), str(ARTIFACTS / "issue-stamp"))
    assert done.returncode == 0, done.stderr
    assert (ARTIFACTS / "issue-stamp.png").stat().st_size > 5000

    # Read the QR code back from a 300 dpi rendering of the box's left square: find the
    # symbol's extent (its three finder patterns reach three corners), sample every module's
    # centre and compare with the symbol of the URL.
    dpi = 300
    scale = dpi / 72
    x1, y1, x2, y2 = pki.ISSUE_BOX
    side = y2 - y1
    left, top = int(x1 * scale), int((A4[1] - y2) * scale)
    size = int(side * scale)
    prefix = tmp_path / "qr"
    done = run(PDFTOPPM, "-r", str(dpi), "-gray", "-f", "1", "-l", "1", "-singlefile",
               "-x", str(left), "-y", str(top), "-W", str(size), "-H", str(size),
               str(pdf_path), str(prefix))
    assert done.returncode == 0, done.stderr
    width, height, pixels = _read_pgm((tmp_path / "qr.pgm").read_bytes())
    dark = [(x, y) for y in range(height) for x in range(width) if pixels[y * width + x] < 128]
    assert dark, "no QR code in the box"
    xs, ys = [x for x, _ in dark], [y for _, y in dark]
    matrix = segno.make_qr(URL, error="m").matrix
    n = len(matrix)
    module_w = (max(xs) - min(xs) + 1) / n
    module_h = (max(ys) - min(ys) + 1) / n
    assert abs(module_w - module_h) < 0.5 and module_w > 4  # square, > 4 px per module
    wrong = 0
    for r in range(n):
        for c in range(n):
            x = int(min(xs) + (c + 0.5) * module_w)
            y = int(min(ys) + (r + 0.5) * module_h)
            wrong += (pixels[y * width + x] < 128) != bool(matrix[r][c])
    assert wrong == 0, f"{wrong} of {n * n} modules differ from the symbol of {URL}"
    print(f"\nQR code: {n}×{n} modules, {module_w * 72 / dpi:.2f} pt per module, "
          f"{(max(xs) - min(xs) + 1) * 25.4 / dpi:.1f} mm wide")

    if ZBARIMG:  # a real decoder, when one is installed
        decoded = run(ZBARIMG, "--raw", "-q", str(ARTIFACTS / "issue-stamp.png")).stdout
        assert URL in decoded


def _read_pgm(data: bytes) -> tuple[int, int, bytes]:
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert match and match.group(3) == b"255", data[:20]
    width, height = int(match.group(1)), int(match.group(2))
    return width, height, data[match.end():match.end() + width * height]


# -- tampering --------------------------------------------------------------------------------

def test_a_changed_byte_in_the_page_content_is_detected_by_both(issued, pki_dir, tmp_path):
    offset = content_stream_offset(issued)
    first_range_end = int(re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)", issued).group(1))
    assert offset < first_range_end  # inside what both signatures cover
    tampered = bytearray(issued)
    tampered[offset] ^= 0x01
    tampered = bytes(tampered)

    checks = pki.validate_pdf(tampered, pki_dir)
    assert len(checks) == 2
    for check in checks:
        assert not check.intact and not check.valid and not check.ok, check
    results = validations(run_pdfsig(tampered, tmp_path, "-nocert"))
    assert len(results) == 2 and "Signature is Valid." not in results, results


def test_a_changed_byte_in_the_bureau_revision_is_detected_by_both(issued, pki_dir, tmp_path):
    # the signing time in the bureau's signature dictionary: after the reviewer's bytes
    *_, match = re.finditer(rb"/M \(D(?::|\\072)\d{3}(\d)", issued)
    offset = match.start(1)  # the year's last digit
    assert offset > len(issued) - 40000
    tampered = bytearray(issued)
    tampered[offset] = ord("0") + (tampered[offset] - ord("0") + 1) % 10
    reviewer, bureau = pki.validate_pdf(bytes(tampered), pki_dir)
    assert reviewer.intact  # its bytes are untouched …
    assert not bureau.intact and not bureau.ok  # … the bureau's are not
    results = validations(run_pdfsig(bytes(tampered), tmp_path, "-nocert"))
    assert results[0] == "Signature is Valid." and results[1] != "Signature is Valid.", results


def test_page_content_replaced_after_issuing_is_caught(issued, pki_dir):
    writer = IncrementalPdfFileWriter(BytesIO(issued))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT ET"))
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    for check in pki.validate_pdf(out.getvalue(), pki_dir):
        assert check.intact and not check.valid and not check.ok, check
        assert not check.covers_whole_file


def test_an_unsigned_field_painted_after_issuing_is_reported(issued, pki_dir):
    # An empty signature field passes pyHanko's form-filling rules, yet its appearance can
    # paint over the page: the messages must not call it a signature.
    writer = IncrementalPdfFileWriter(BytesIO(issued))
    fields.append_signature_field(writer, fields.SigFieldSpec(
        "overlay", on_page=0, box=(344, 600, 524, 650), empty_field_appearance=True))
    out = BytesIO()
    writer.write(out)
    reviewer, bureau = pki.validate_pdf(out.getvalue(), pki_dir)
    assert not bureau.covers_whole_file and "其后有追加的签名" not in bureau.message
    assert "签名后文件被追加了内容" in bureau.message
    assert "最后一个签名之后有未经签名的追加内容" in reviewer.message


# -- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("number", "code", "char"), [
    (NUMBER + "\N{GRINNING FACE}", CODE, "\N{GRINNING FACE}"),   # U+1F600
    (NUMBER, "K7Q2-\U00010000", "\U00010000"),                  # Linear B syllable B008 A
])
def test_a_character_missing_from_the_font_is_refused(reviewed, bureau, number, code, char):
    assert ord(char) not in pki._issue_font().codepoints
    with pytest.raises(pki.PkiError) as caught:
        pki.issue_pdf(reviewed, bureau, number=number, code=code, url=URL)
    message = str(caught.value)
    assert char in message and f"U+{ord(char):04X}" in message
    assert pki.issue_font_path().name in message


def test_bad_arguments_are_refused(reviewed, issued, bureau):
    kwargs = {"number": NUMBER, "code": CODE, "url": URL}
    for bad, match in [({"number": " "}, "文号"), ({"code": ""}, "验证码"),
                       ({"url": ""}, "核验网址"), ({"number": "汶\n12号"}, "换行"),
                       ({"page": 1}, "页码"), ({"page": -1}, "页码"),
                       ({"box": (500, 700, 520, 720)}, "太小"),
                       ({"box": (524, 718, 344, 656)}, "颠倒"),
                       ({"box": "somewhere"}, "位置")]:
        with pytest.raises(pki.PkiError, match=match):
            pki.issue_pdf(reviewed, bureau, **{**kwargs, **bad})
    with pytest.raises(pki.PkiError, match="bureau-issue"):  # issued once only
        pki.issue_pdf(issued, bureau, **kwargs)
    with pytest.raises(pki.PkiError, match="PDF"):
        pki.issue_pdf(b"not a pdf", bureau, **kwargs)


def test_other_box_page_and_field_name(page_pdf, bureau, pki_dir):
    out = pki.issue_pdf(page_pdf, bureau, number="汶应急责改〔2026〕3号", code="AB12-CD34",
                        url=URL, box=(71.2, 700.4, 300.6, 770), field_name="issue")
    [check] = pki.validate_pdf(out, pki_dir)
    assert check.field == "issue" and check.ok and check.covers_whole_file
    page = PdfFileReader(BytesIO(out)).root["/Pages"]["/Kids"][0].get_object()
    [widget] = [a.get_object() for a in page["/Annots"]]
    assert [float(v) for v in widget["/Rect"]] == [71, 700, 301, 770]  # whole points


# -- timing -----------------------------------------------------------------------------------

def test_issue_time(reviewed, bureau):
    kwargs = {"number": NUMBER, "code": CODE, "url": URL}
    pki.issue_pdf(reviewed, bureau, **kwargs)  # font picked and subset cached
    times = []
    for i in range(10):
        start = time.perf_counter()
        pki.issue_pdf(reviewed, bureau, **{**kwargs, "code": f"K7Q2-{i:04d}"})
        times.append(time.perf_counter() - start)
    pki._font_subset.cache_clear()
    start = time.perf_counter()
    pki.issue_pdf(reviewed, bureau, **kwargs)  # a new set of characters: subset the font
    miss = time.perf_counter() - start
    print(f"\nissue_pdf (visible stamp, {pki.issue_font_path().name}), one page: median of 10 "
          f"{statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, "
          f"max {max(times) * 1000:.0f}); with a character set not yet cached "
          f"{miss * 1000:.0f} ms")

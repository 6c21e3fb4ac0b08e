"""The rendering pipeline (enforcement/documents/render.py), without the app.

The PDFs are checked with poppler-utils: every font embedded and one of ours (pdffonts), the
data's text extracted exactly, rare characters (喆, 𠮷, 〇) included (pdftotext), and pages
rendered to PNG in test-artifacts/documents/ for a person to look at (pdftoppm).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import statistics
import subprocess
import time
import zlib
from decimal import Decimal

import jinja2
import pytest
from markupsafe import Markup

from enforcement import ROOT
from enforcement.documents import render

ARTIFACTS = ROOT / "test-artifacts" / "documents"
POPPLER = all(shutil.which(tool) for tool in ("pdffonts", "pdftotext", "pdftoppm", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")

PARTY = "汶上县喆𠮷〇号化工有限公司"

TEMPLATES = {
    "test/form.html": """{% extends "_base.html" %}
{% block title %}现场检查记录{% endblock %}
{% block content %}
<table class="fields">
<tr><th>被检查单位</th><td colspan="3">{{ party.name }}</td></tr>
<tr><th>地址</th><td colspan="3">{{ party.address }}</td></tr>
<tr><th>法定代表人</th><td>{{ party.legal_rep }}</td>\
<th>联系电话</th><td>{{ party.phone }}</td></tr>
<tr><th>身份证号</th><td colspan="3">{{ party.id_number | masked_id }}</td></tr>
<tr><th>检查时间</th><td colspan="3">{{ inspected_from | cn_datetime }} 至 \
{{ inspected_to | cn_datetime }}</td></tr>
<tr><th>检查人员</th><td colspan="3">{% for o in officers %}{{ o.name }}（执法证号 {{ o.cert }}）\
{% if not loop.last %}、{% endif %}{% endfor %}</td></tr>
</table>
<h2>检查发现的问题</h2>
<ol>
{% for item in items %}<li>{{ item.text }}（整改期限：{{ item.deadline | cn_date }}）</li>
{% endfor %}
</ol>
<p>拟处罚款人民币{{ fine | cn_money_upper }}（￥{{ fine | money }}）。</p>
{% endblock %}
{% block signatures %}
<div class="signature-line"><span class="label">检查人员（签名）：</span><span class="sign"></span>\
<span class="date">年　月　日</span></div>
<div class="signature-line"><span class="label">被检查单位负责人（签名）：</span>\
<span class="sign"></span><span class="date">年　月　日</span></div>
<div class="issuer"><div>{{ agency }}</div><div class="date">{{ issued_on | cn_date }}</div></div>
{% endblock %}
""",
    "test/notice.html": """{% extends "_base.html" %}
{% set page_style = "gbt9704" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<p class="no-indent">{{ addressee }}：</p>
{% for section in sections %}
<h2>{{ section.heading }}</h2>
{% for para in section.paragraphs %}<p>{{ para }}</p>
{% endfor %}
{% endfor %}
{% endblock %}
{% block signatures %}
<div class="issuer"><div>{{ agency }}</div><div class="date">{{ issued_on | cn_date }}</div></div>
{% endblock %}
""",
    "test/missing.html": """{% extends "_base.html" %}
{% block title %}询问笔录{% endblock %}
{% block content %}<p>{{ party.name }} {{ party.nickname }}</p>{% endblock %}
""",
    "test/missing_in_list.html": """{% extends "_base.html" %}
{% block title %}整改复查意见书{% endblock %}
{% block content %}{% for item in items %}<p>{{ item.result }}</p>{% endfor %}{% endblock %}
""",
    "test/missing_top.html": """{% extends "_base.html" %}
{% block title %}{{ headline }}{% endblock %}
""",
    "test/fetch.html": """{% extends "_base.html" %}
{% block title %}外部资源{% endblock %}
{% block content %}<p>{{ text }}</p>
<img src="http://example.com/x.png" alt=""><img src="file:///etc/passwd" alt="">
<img src="static/../../../etc/passwd" alt="">{% endblock %}
""",
}


@pytest.fixture(autouse=True)
def _db():
    """Overrides the suite's per-test database fixture: rendering needs no app or database."""
    yield


@pytest.fixture(scope="module", autouse=True)
def test_templates():
    """Add this module's templates to the documents' loader for the duration of the module."""
    env = render.jinja_env()
    original = env.loader
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(TEMPLATES), original])
    yield
    env.loader = original
    if env.cache is not None:
        env.cache.clear()


@pytest.fixture(scope="module")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


HAZARD = "配电箱未设置防护措施，临时用电线路敷设不规范，"


def form_data(items: int = 3) -> dict:
    return {
        "agency": "汶上县应急管理局",
        "number": "（汶）应急检记〔2026〕12号",
        "party": {"name": PARTY, "address": "山东省济宁市汶上县中都街道工业园区8号",
                  "legal_rep": "张喆", "phone": "0537-7212345",
                  "id_number": "370830199001011234"},
        "inspected_from": dt.datetime(2026, 11, 2, 9, 5),
        "inspected_to": dt.datetime(2026, 11, 2, 11, 30),
        "officers": [{"name": "李明", "cert": "37080012345"},
                     {"name": "王芳", "cert": "37080012346"}],
        "items": [{"text": f"第{i + 1}项：{HAZARD * (1 + i % 3)}安全警示标志缺失。",
                   "deadline": dt.date(2026, 11, 16)} for i in range(items)],
        "fine": Decimal("15000"),
        "issued_on": dt.date(2026, 11, 2),
    }


def notice_data(sections: int = 6) -> dict:
    para = ("各生产经营单位要认真落实安全生产主体责任，全面排查治理事故隐患，"
            "建立健全隐患排查治理制度，确保隐患整改责任、措施、资金、时限和预案“五落实”。")
    return {
        "agency": "汶上县应急管理局",
        "number": "汶应急〔2026〕3号",
        "title": "关于印发2027年度安全生产监督检查计划的通知",
        "addressee": "各乡镇（街道）安委会办公室，县直有关部门",
        "sections": [{"heading": f"{'一二三四五六七八九十'[i]}、重点检查事项",
                      "paragraphs": [para * 2, para]} for i in range(sections)],
        "issued_on": dt.date(2026, 12, 15),
    }


# What the signing code passes as the seal: trusted markup (a red circle with a star).
SEAL = Markup(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
    '<circle cx="50" cy="50" r="46" fill="none" stroke="#d00" stroke-width="4"/>'
    '<polygon fill="#d00" points="50,30 55.9,43.8 70.9,45.2 59.5,55.1 62.9,69.8 50,62 '
    '37.1,69.8 40.5,55.1 29.1,45.2 44.1,43.8"/></svg>')

# What the document service adds once the legal reviewer has signed.
SIGNING = {"reviewer": "颜法明", "role": "法制审核人员", "at": "2026-11-18 10:00", "seal": True}

VERIFICATION = {"code": "K7Q2-M9XD", "url": "https://pe.example.gov.cn/verify/K7Q2-M9XD"}


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdffonts(path) -> list[dict[str, str]]:
    lines = run("pdffonts", str(path)).splitlines()
    fonts = []
    for line in lines[2:]:
        # name type encoding emb sub uni object ID — the type can contain a space
        match = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$",
                         line)
        assert match, line
        name, kind, encoding, emb, sub, uni = match.groups()
        fonts.append({"name": name, "type": kind, "emb": emb, "uni": uni})
    return fonts


def text_of(path) -> str:
    return run("pdftotext", "-enc", "UTF-8", str(path), "-")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def to_png(pdf_path, stem: str) -> list:
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    run("pdftoppm", "-r", "50", "-png", str(pdf_path), str(ARTIFACTS / stem))
    return sorted(ARTIFACTS.glob(f"{stem}-*.png"))


def page_count(path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(path)), re.M).group(1))


def check_fonts(path) -> list[dict[str, str]]:
    fonts = pdffonts(path)
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes", font
        assert font["uni"] == "yes", font
        assert font["name"].split("+", 1)[-1].startswith("PE-"), f"not one of ours: {font}"
    return fonts


# ------------------------------------------------------------------------- renders --

@needs_poppler
def test_form_renders_with_embedded_fonts_and_exact_text(artifacts):
    data = form_data()
    pdf = render.render("test/form.html", data, draft=True)
    assert pdf.startswith(b"%PDF-")
    path = artifacts / "form-draft.pdf"
    path.write_bytes(pdf)

    fonts = check_fonts(path)
    names = {font["name"].split("+", 1)[1] for font in fonts}
    assert any(name.startswith("PE-Serif") for name in names)
    assert any(name.startswith("PE-Sans") for name in names)
    # 喆 and 𠮷 are not in GB 2312: they come from the complete fallback face, a CJK face.
    assert any(name.startswith("PE-Fallback") for name in names), names

    text = squeeze(text_of(path))
    assert text.count("（汶）应急检记〔2026〕12号") == 1
    for expected in (PARTY, "现场检查记录", "张喆", "370830********1234",
                     "2026年11月2日9时05分至2026年11月2日11时30分", "李明（执法证号37080012345）",
                     "壹万伍仟元整", "￥15,000.00", "2026年11月16日", "汶上县应急管理局",
                     data["items"][2]["text"]):
        assert squeeze(expected) in text, expected
    # the rotated watermark comes out one character a line, first in content order
    assert squeeze(run("pdftotext", "-enc", "UTF-8", "-raw", str(path), "-")).startswith("草稿")
    assert page_count(path) == 1
    pngs = to_png(path, "form-draft")
    assert len(pngs) == 1


def test_rare_characters_come_from_a_cjk_face():
    """The fallback face is Noto Sans CJK SC (complete) and has the rare characters."""
    from fontTools.ttLib import TTFont

    face = TTFont(ROOT / "static" / "fonts" / "NotoSansCJKsc-Regular.otf", lazy=True)
    assert face["name"].getDebugName(1) == "Noto Sans CJK SC"
    cmap = face.getBestCmap()
    for char in "喆𠮷〇":
        assert ord(char) in cmap, char
    subset = TTFont(ROOT / "static" / "fonts" / "NotoSerifCJKsc-Regular-GB2312.otf", lazy=True)
    assert ord("〇") in subset.getBestCmap()
    assert ord("喆") not in subset.getBestCmap()      # GBK, not GB 2312: the fallback's job


@needs_poppler
def test_long_form_repeats_its_header_and_issued_form_has_qr(artifacts):
    data = {**form_data(items=28), "signing": SIGNING}
    pdf = render.render("test/form.html", data, draft=False, verification=VERIFICATION)
    path = artifacts / "form-long-issued.pdf"
    path.write_bytes(pdf)
    pages = page_count(path)
    assert pages >= 2
    check_fonts(path)
    for page in range(1, pages + 1):
        text = squeeze(run("pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page),
                           str(path), "-"))
        assert "现场检查记录" in text, page          # the header on every page
        assert "（汶）应急检记〔2026〕12号" in text, page
        assert "K7Q2-M9XD" in text, page             # the verification code on every page
        assert f"第{page}页共{pages}页" in text, page
        assert "草稿" not in text
    text = squeeze(text_of(path))
    for item in data["items"]:
        assert squeeze(item["text"]) in text
    assert "pe.example.gov.cn/verify/K7Q2-M9XD" in text
    assert "法制审核：颜法明（法制审核人员）" in text           # the visible signature block
    last = squeeze(run("pdftotext", "-enc", "UTF-8", "-f", str(pages), "-l", str(pages),
                       str(path), "-"))
    assert "已数字签名" in last and "已数字签名" not in squeeze(
        run("pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", str(path), "-"))
    assert len(to_png(path, "form-long-issued")) == pages


@needs_poppler
def test_gbt9704_document_flows_with_page_numbers(artifacts):
    data = notice_data()
    html = render.render_html("test/notice.html", data, draft=True)
    assert 'class="gbt9704 draft"' in html
    assert "<link" not in html                 # render_pdf applies documents.css itself
    preview = render.render_html("test/notice.html", data, draft=True, base_url="/")
    assert '<link rel="stylesheet" href="/static/css/documents.css">' in preview
    pdf = render.render_pdf(html)
    path = artifacts / "notice-draft.pdf"
    path.write_bytes(pdf)
    pages = page_count(path)
    assert pages >= 2
    check_fonts(path)
    for page in range(1, pages + 1):
        text = run("pdftotext", "-enc", "UTF-8", "-layout", "-f", str(page), "-l", str(page),
                   str(path), "-")
        assert re.search(rf"—\s*{page}\s*—", text), (page, text[-200:])
        raw = run("pdftotext", "-enc", "UTF-8", "-raw", "-f", str(page), "-l", str(page),
                  str(path), "-")
        assert squeeze(raw).startswith("草稿"), page
    text = squeeze(text_of(path))
    assert squeeze(data["title"]) in text
    assert text.count("汶应急〔2026〕3号") == 1
    for section in data["sections"]:
        for para in section["paragraphs"]:
            assert squeeze(para) in text
    assert "2026年12月15日" in text
    assert len(to_png(path, "notice-draft")) == pages

    issued = render.render("test/notice.html", {**data, "seal": {"svg": SEAL}}, draft=False,
                           verification=VERIFICATION)
    path = artifacts / "notice-issued.pdf"
    path.write_bytes(issued)
    check_fonts(path)
    for page in range(1, page_count(path) + 1):
        text = squeeze(run("pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page),
                           str(path), "-"))
        assert "K7Q2-M9XD" in text and "草稿" not in text, page
    to_png(path, "notice-issued")


@needs_poppler
def test_gbt9704_geometry_22_lines_of_28_characters(artifacts):
    """A page of plain 三号 text holds 22 lines of 28 characters in the 156 × 225 mm block."""
    line = "安全生产监督检查计划执行情况报告正文测试用字符一二三四五"   # 28 characters
    assert len(line) == 28
    data = {"agency": "", "number": "", "title": "版心测试", "addressee": "测试",
            "sections": [{"heading": "", "paragraphs": []}], "issued_on": None}
    html = render.render_html("test/notice.html", data, draft=False)
    body = "".join(f'<p class="no-indent" style="text-indent:0">{line}</p>' for _ in range(30))
    html = html.replace('<main class="content">', '<main class="content">' + body, 1)
    html = re.sub(r'<header class="doc-header[^"]*"', r'\g<0> style="display:none"', html,
                  count=1)
    html = html.replace('<p class="no-indent">测试：</p>', "", 1)
    path = artifacts / "gbt9704-grid.pdf"
    path.write_bytes(render.render_pdf(html))
    first = run("pdftotext", "-enc", "UTF-8", "-layout", "-f", "1", "-l", "1", str(path), "-")
    lines = [row.strip() for row in first.splitlines() if line in row]
    assert len(lines) == 22, len(lines)               # 22 full lines on page 1, none split

    mm = 72 / 25.4
    bbox = run("pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-")
    boxes = [tuple(float(v) for v in found) for found in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">' + line, bbox)]
    assert len(boxes) == 22
    assert all(abs(x0 - 28 * mm) < 0.5 for x0, _, _, _ in boxes)          # left margin 28 mm
    assert all(x1 <= (28 + 156) * mm + 1 for _, _, x1, _ in boxes)        # 156 mm wide
    assert boxes[0][1] >= 37 * mm                                         # top margin 37 mm
    assert boxes[-1][3] <= (37 + 225) * mm                                # 225 mm high


def blank(path, page: int, box: tuple[float, float, float, float]) -> bool:
    """Whether `box` (PDF points, origin bottom left, as pyHanko takes it) is white on `page`."""
    x1, y1, x2, y2 = box
    height = 841.89
    out = ARTIFACTS / "box"
    run("pdftoppm", "-r", "72", "-f", str(page), "-l", str(page), "-x", str(int(x1)),
        "-y", str(int(height - y2)), "-W", str(int(x2 - x1)), "-H", str(int(y2 - y1)),
        "-gray", "-singlefile", str(path), str(out))
    raw = (ARTIFACTS / "box.pgm").read_bytes()
    header, pixels = raw.split(b"\n255\n", 1)
    (ARTIFACTS / "box.pgm").unlink()
    return min(pixels) > 245


@needs_poppler
@pytest.mark.parametrize(("template", "data"), [
    ("test/form.html", form_data()),
    ("test/notice.html", notice_data()),
    ("test/notice.html", {**notice_data(), "agency": ""}),
])
def test_signing_render_leaves_the_issue_stamp_box_blank(artifacts, template, data):
    """Signed documents get their number, code and QR stamped at issue (pki.issue_pdf) into
    ISSUE_BOX on page 1; the render made for signing must leave that box blank."""
    from enforcement.documents.pki import ISSUE_BOX

    data = {**data, "number": "", "signing": SIGNING}
    path = artifacts / "for-signing.pdf"
    path.write_bytes(render.render(template, data, draft=False))
    assert blank(path, 1, ISSUE_BOX)
    assert "签发时编号" not in text_of(path)
    drafted = artifacts / "for-signing-draft.pdf"
    drafted.write_bytes(render.render(template, data, draft=True))
    assert "签发时编号" in squeeze(text_of(drafted))          # drafts say where the number goes


# --------------------------------------------------------------------- bad input --

def test_missing_field_names_template_and_field():
    with pytest.raises(render.TemplateDataError) as caught:
        render.render_html("test/missing.html", {"party": {"name": "甲公司"}}, draft=True)
    assert str(caught.value) == "test/missing.html: missing field 'party.nickname'"
    assert caught.value.template == "test/missing.html"
    assert caught.value.field == "party.nickname"

    with pytest.raises(render.TemplateDataError, match=r"missing field 'items\[1\]\.result'"):
        render.check_template("test/missing_in_list.html",
                              {"items": [{"result": "已整改"}, {"note": "—"}]})
    with pytest.raises(render.TemplateDataError, match="missing field 'headline'"):
        render.check_template("test/missing_top.html", {})
    with pytest.raises(jinja2.TemplateNotFound):
        render.check_template("test/no_such_kind.html", {})
    render.check_template("test/form.html", form_data())     # complete data passes


def test_orm_like_objects_are_refused():
    class Enterprise:           # what an ORM row looks like to a template
        name = "甲公司"

    with pytest.raises(TypeError, match=r"party is a .*Enterprise"):
        render.render_html("test/form.html", {**form_data(), "party": Enterprise()}, draft=True)
    with pytest.raises(TypeError, match=r"officers\[1\] is a"):
        data = form_data()
        data["officers"] = [data["officers"][0], Enterprise()]
        render.render_html("test/form.html", data, draft=True)
    with pytest.raises(TypeError):
        render.render_html("test/form.html", Enterprise(), draft=True)   # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reserved"):
        render.render_html("test/form.html", {**form_data(), "draft": False}, draft=True)


def test_template_data_is_escaped_and_keys_win_over_dict_methods():
    data = form_data(items=1)
    data["party"]["name"] = "<b>甲</b>公司"
    html = render.render_html("test/form.html", data, draft=True)
    assert "&lt;b&gt;甲&lt;/b&gt;公司" in html
    assert "<b>甲</b>" not in html
    assert "配电箱未设置防护措施" in html                  # {% for item in items %} is the field


def test_sandbox_blocks_python_internals():
    env = render.jinja_env()
    template = env.from_string("{{ party.__class__.__mro__ }}")
    with pytest.raises(jinja2.exceptions.SecurityError):
        template.render(party={"name": "甲"})


def test_url_fetcher_refuses_everything_but_static():
    fetcher = render.url_fetcher()
    for url in ("http://example.com/x.png", "https://example.com/x.png", "file:///etc/passwd",
                f"{render.BASE_URL}static/../pyproject.toml", f"{render.BASE_URL}instance/x.db",
                "ftp://example.com/x"):
        with pytest.raises(render.ResourceRefused):
            fetcher(url)
    css = fetcher(f"{render.BASE_URL}static/css/documents.css")
    assert css.content_type == "text/css"
    assert b"PE Serif" in css.read()
    assert fetcher("data:text/plain;base64,5Lit").read() == "中".encode()


@needs_poppler
def test_refused_resources_do_not_stop_the_render(artifacts, caplog):
    pdf = render.render("test/fetch.html", {"text": "外部资源不加载"}, draft=True)
    path = artifacts / "fetch.pdf"
    path.write_bytes(pdf)
    assert "外部资源不加载" in squeeze(text_of(path))
    check_fonts(path)
    refused = [r.getMessage() for r in caplog.records if "static files" in r.getMessage()]
    assert any("example.com" in message for message in refused), refused
    assert any("/etc/passwd" in message for message in refused), refused


def test_the_image_cache_stays_bounded(monkeypatch):
    """Each document's data: image is a new cache entry: the cache is emptied once it passes
    its bound, instead of growing with every document a long-lived process renders."""
    import base64
    import io

    from PIL import Image

    monkeypatch.setattr(render, "IMAGE_CACHE_ENTRIES", 4)
    render.render_pdf("<p>预热</p>")
    cache = render._state["image_cache"]
    sizes = []
    for shade in range(12):
        png = io.BytesIO()
        Image.new("RGB", (2, 2), (shade * 20, 0, 0)).save(png, "PNG")
        uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
        pdf = render.render_pdf(f'<p>印章</p><img src="{uri}" alt="" style="width:1cm">')
        assert pdf.startswith(b"%PDF")
        sizes.append(len(cache))
    assert max(sizes) <= 4 + 3 and min(sizes[4:]) < max(sizes), sizes


# ------------------------------------------------------------------------- filters --

@pytest.mark.parametrize(("amount", "words"), [
    ("10000", "壹万元整"), ("15000", "壹万伍仟元整"), ("10500.50", "壹万零伍佰元伍角"),
    ("1010", "壹仟零壹拾元整"), ("100000", "壹拾万元整"), ("100000500", "壹亿零伍佰元整"),
    ("0.05", "伍分"), ("0.5", "伍角"), ("10.05", "壹拾元零伍分"), ("0", "零元整"),
    ("3000000", "叁佰万元整"), ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ("20001", "贰万零壹元整"), ("1000001", "壹佰万零壹元整"),
])
def test_cn_money_upper(amount, words):
    assert render.cn_money_upper(Decimal(amount)) == words


def test_filters():
    assert render.cn_date(dt.date(2026, 11, 2)) == "2026年11月2日"
    assert render.cn_date("2026-11-02") == "2026年11月2日"
    assert render.cn_date(None) == ""
    assert render.cn_datetime(dt.datetime(2026, 11, 2, 9, 5)) == "2026年11月2日9时05分"
    assert render.money(Decimal("10000")) == "10,000.00"
    assert render.money(Decimal("1234567.891")) == "1,234,567.89"
    assert render.money(500) == "500.00"
    assert render.masked_id("370830199001011234") == "370830********1234"
    assert render.masked_id("370830********1234") == "370830********1234"
    with pytest.raises(ValueError):
        render.money("abc")


def test_qr_svg_is_inline_svg():
    svg = render.qr_svg("https://pe.example.gov.cn/verify/K7Q2-M9XD")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "viewBox" in svg


# ---------------------------------------------------------------------- PDF/A, speed --

def test_pdfa_3b_variant(artifacts):
    pdf = render.render("test/form.html", form_data(items=1), draft=False,
                        verification=VERIFICATION, pdfa=True)
    (artifacts / "form-pdfa.pdf").write_bytes(pdf)
    xmp = b""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        chunk = match.group(1)
        if b"x:xmpmeta" not in chunk:
            try:
                chunk = zlib.decompress(chunk)
            except zlib.error:
                continue
        if b"pdfaid" in chunk:
            xmp = chunk
            break
    assert xmp, "no XMP metadata stream"
    assert re.search(rb"pdfaid:part(>|=\")3", xmp), xmp[:400]
    assert re.search(rb"pdfaid:conformance(>|=\")B", xmp), xmp[:400]


def test_warm_render_timing(capsys):
    data = form_data(items=3)
    render.render("test/form.html", data, draft=False, verification=VERIFICATION)   # warm up
    timings = []
    html_timings = []
    for _ in range(10):
        start = time.perf_counter()
        html = render.render_html("test/form.html", data, draft=False, verification=VERIFICATION)
        middle = time.perf_counter()
        render.render_pdf(html)
        timings.append(time.perf_counter() - start)
        html_timings.append(middle - start)
    with capsys.disabled():
        print(f"\n[documents] warm one-page form: median {statistics.median(timings) * 1000:.0f} ms"
              f" (min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}; "
              f"Jinja {statistics.median(html_timings) * 1000:.1f} ms) over 10 renders")

"""Document rendering: Jinja HTML (sandboxed, plain data only) → print CSS → WeasyPrint → PDF.

- Templates live in ``templates/documents/`` and extend ``_base.html``; they get the document's
  data as plain values (dicts, lists, str, numbers, Decimal, dates — a schema dump), never ORM
  objects, in a sandboxed environment where a missing field is an error naming the field.
- Fonts come only from ``static/fonts/`` through ``@font-face`` rules in
  ``static/css/documents.css`` and are embedded in every PDF, so the output is the same on any
  machine. The URL fetcher refuses everything except the app's own static files and ``data:``.
- A warm render is kept fast by one process-wide WeasyPrint ``FontConfiguration`` (the fonts are
  registered with Fontconfig once), an in-memory cache of static files and an image cache
  (emptied when it passes ``IMAGE_CACHE_ENTRIES``: a ``data:`` image is new with each document).
  Renders in one process are serialised by a lock: WeasyPrint's font objects are not meant to be
  shared between threads, and the work is CPU-bound under the GIL anyway (batches use processes).

Nothing here needs a Flask application context.
"""

from __future__ import annotations

import atexit
import datetime as dt
import math
import mimetypes
import os
import threading
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import segno
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from enforcement import ROOT
from enforcement.core.crypto import mask_id_number

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

TEMPLATES = ROOT / "templates" / "documents"
STATIC = (ROOT / "static").resolve()
BASE_URL = ROOT.resolve().as_uri() + "/"     # "static/…" in the HTML resolves under STATIC
PAGE_STYLES = ("form", "gbt9704")
RESERVED = frozenset({"draft", "verification", "static_url", "stylesheet_url"})
STYLESHEET = "css/documents.css"      # under static/
PDFA_VARIANT = "pdf/a-3b"

__all__ = [
    "TemplateDataError", "ResourceRefused", "jinja_env", "check_template", "render_html",
    "render_pdf", "render", "qr_svg", "seal_svg", "url_fetcher", "static_path", "warm",
    "cn_date", "cn_datetime", "money", "cn_money_upper", "masked_id",
]


class TemplateDataError(ValueError):
    """A template uses a field the data lacks: ``"<template>: missing field '<name>'"``."""

    def __init__(self, template: str, field: str):
        self.template = template
        self.field = field
        super().__init__(f"{template}: missing field '{field}'")


class ResourceRefused(ValueError):
    """A document tried to load something other than the app's own static files."""


# ----------------------------------------------------------------------------- Jinja --

class _MissingField(jinja2.UndefinedError):
    def __init__(self, field: str):
        self.field = field
        super().__init__(f"missing field '{field}'")


class _Record(dict):
    """A dict of the document's data that knows where it sits (``party``, ``items[0]``), so a
    missing key can be reported by its full path."""

    __slots__ = ("_pe_path",)


class _Items(list):
    __slots__ = ("_pe_path",)


class _Missing(jinja2.StrictUndefined):
    """StrictUndefined whose error carries the missing field's path (``party.name``)."""

    __slots__ = ()

    def __init__(self, hint=None, obj=jinja2.utils.missing, name=None,
                 exc=jinja2.UndefinedError):
        if exc is jinja2.UndefinedError:
            exc = _MissingField
        super().__init__(hint, obj, name, exc)

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint or self._undefined_exception is not _MissingField:
            return super()._undefined_message
        name = self._undefined_name
        obj = self._undefined_obj
        if obj is jinja2.utils.missing:
            return str(name)
        path = getattr(obj, "_pe_path", None)
        if path:
            return f"{path}[{name}]" if isinstance(name, int) else f"{path}.{name}"
        return str(name)


class _Environment(SandboxedEnvironment):
    """Sandboxed, and a dict's keys win over its methods: ``{{ order.items }}`` is the field
    ``items``, not ``dict.items`` (document data is full of keys like items, values, keys)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def _plain(value: Any, path: str) -> Any:
    """Check that `value` is plain data and wrap dicts and lists so they know their path."""
    if value is None or isinstance(value, (str, bool, int, float, Decimal, dt.date, dt.time)):
        return value        # str includes Markup: trusted markup the caller chose to pass
    if isinstance(value, dict):
        record = _Record()
        record._pe_path = path
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"document data: key {key!r} in {path or 'data'} is not a string")
            record[key] = _plain(item, f"{path}.{key}" if path else key)
        return record
    if isinstance(value, (list, tuple)):
        items = _Items(_plain(item, f"{path}[{i}]") for i, item in enumerate(value))
        items._pe_path = path
        return items
    kind = type(value)
    raise TypeError(f"document data must be plain values (dict, list, str, number, Decimal, "
                    f"date): {path or 'data'} is a {kind.__module__}.{kind.__qualname__}")


def _to_date(value: Any) -> dt.date | dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if "T" in value or " " in value.strip() \
                else dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"not a date: {value!r}")


def cn_date(value: Any) -> str:
    """2026-11-02 → 2026年11月2日 (a date, a datetime or an ISO string; None → "")."""
    day = _to_date(value)
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(value: Any) -> str:
    """2026-11-02T09:05 → 2026年11月2日9时05分."""
    moment = _to_date(value)
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime):
        return cn_date(moment)
    return f"{cn_date(moment)}{moment.hour}时{moment.minute:02d}分"


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError):
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money(value: Any) -> str:
    """Decimal("10000") → "10,000.00"."""
    if value is None or value == "":
        return ""
    return f"{_decimal(value):,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL = ("", "拾", "佰", "仟")
_BIG = ("", "万", "亿", "万亿")


def cn_money_upper(value: Any) -> str:
    """人民币大写 as the 支付结算办法 writes it: 10000 → 壹万元整, 10500.5 → 壹万零伍佰元伍角,
    0.05 → 伍分, 1010 → 壹仟零壹拾元整. The caller adds "人民币" where the form wants it."""
    if value is None or value == "":
        return ""
    amount = _decimal(value)
    sign = "负" if amount < 0 else ""
    cents = int(abs(amount) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if yuan >= 10**16:
        raise ValueError(f"amount too large: {value!r}")
    words: list[str] = []
    if yuan:
        digits = str(yuan)
        zero = group = False
        for i, char in enumerate(digits):
            place = len(digits) - 1 - i
            digit = int(char)
            if digit == 0:
                zero = True
            else:
                if zero:
                    words.append("零")
                zero = False
                group = True
                words.append(_DIGITS[digit] + _SMALL[place % 4])
            if place % 4 == 0 and place:
                if group:
                    words.append(_BIG[place // 4])
                group = False
        words.append("元")
    if not jiao and not fen:
        return sign + ("".join(words) if yuan else "零元") + "整"
    if jiao:
        words.append(_DIGITS[jiao] + "角")
    if fen:
        if yuan and not jiao:
            words.append("零")
        words.append(_DIGITS[fen] + "分")
    return sign + "".join(words)


def masked_id(value: Any) -> str:
    """370830199001011234 → 370830********1234 (already-masked values pass through)."""
    if value is None or value == "":
        return ""
    text = str(value).strip()
    return text if "*" in text else mask_id_number(text)


def seal_svg(name: Any, *, color: str = "#d40000") -> Markup:
    """A round official seal (公章) drawn as SVG: a ring, the agency's name along the top arc
    and a five-pointed star — the visible seal of a signed document (the digital signature is
    what makes it binding)."""
    text = str(name or "").strip()
    count = len(text)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" class="seal">',
        f'<circle cx="50" cy="50" r="46.5" fill="none" stroke="{color}" stroke-width="3"/>',
        f'<polygon fill="{color}" points="{_star(50, 52, 15)}"/>',
    ]
    if count:
        span = min(250.0, 27.0 * count)           # degrees of arc the name takes
        size = 14.0 if count <= 10 else max(9.0, 140.0 / count)
        radius = 46.5 - 1.5 - 2.5 - size / 2 - 1   # inside the ring
        step = span / count
        for i, char in enumerate(text):
            angle = -span / 2 + step * (i + 0.5)
            rad = math.radians(angle)
            x, y = 50 + radius * math.sin(rad), 50 - radius * math.cos(rad)
            parts.append(
                f'<text transform="translate({x:.2f} {y:.2f}) rotate({angle:.1f})" '
                f'x="0" y="{size * 0.36:.2f}" text-anchor="middle" font-size="{size:.1f}" '
                f'font-family="PE Sans, PE Fallback" font-weight="700" fill="{color}">'
                f'{escape(char)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * 0.382
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append(f"{cx + r * math.cos(angle):.2f},{cy + r * math.sin(angle):.2f}")
    return " ".join(points)


def page_class(style: Any) -> str:
    if style not in PAGE_STYLES:
        raise ValueError(f"page_style must be one of {PAGE_STYLES}, not {style!r}")
    return str(style)


_ENV: _Environment | None = None
_ENV_LOCK = threading.Lock()


def jinja_env() -> SandboxedEnvironment:
    """The documents' Jinja environment (one per process)."""
    global _ENV
    if _ENV is None:
        with _ENV_LOCK:
            if _ENV is None:
                env = _Environment(
                    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                    undefined=_Missing,
                    autoescape=True,
                    trim_blocks=True,
                    lstrip_blocks=True,
                    keep_trailing_newline=False,
                )
                env.filters.update(cn_date=cn_date, cn_datetime=cn_datetime, money=money,
                                   cn_money_upper=cn_money_upper, masked_id=masked_id)
                env.globals.update(page_class=page_class, seal_svg=seal_svg)
                _ENV = env
    return _ENV


def _verification(verification: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not verification:
        return None
    try:
        code, url = str(verification["code"]), str(verification["url"])
    except KeyError as missing:
        raise ValueError(f"verification needs {missing.args[0]!r}") from None
    svg = verification.get("qr_svg") or qr_svg(url)
    if not str(svg).lstrip().startswith("<svg"):
        raise ValueError("verification['qr_svg'] must be an inline <svg> element")
    return {"code": code, "url": url, "qr_svg": Markup(svg)}


def render_html(template: str, data: dict, *, draft: bool,
                verification: dict | None = None, base_url: str | None = None) -> str:
    """The document as HTML.

    `data` must be plain values (else TypeError); a field the template uses and the data lacks
    raises TemplateDataError. `draft` adds the 草稿 watermark. `verification` ({"code", "url",
    "qr_svg"?}; the QR code is made from the URL when not given) prints the QR code and short
    code. `base_url` is the URL the app is served from (e.g. "/") for an HTML preview in a
    browser; leave it None for HTML that goes to render_pdf (static files are then referenced
    as "static/…", relative to the repository).
    """
    if not isinstance(data, dict):
        raise TypeError(f"document data must be a dict, not {type(data).__qualname__}")
    clash = RESERVED & data.keys()
    if clash:
        raise ValueError(f"document data must not use the reserved names {sorted(clash)}")
    context: dict[str, Any] = {key: _plain(value, key) for key, value in data.items()}
    context["draft"] = bool(draft)
    context["verification"] = _verification(verification)
    static_url = (base_url.rstrip("/") + "/" if base_url else "") + "static/"
    context["static_url"] = static_url
    # render_pdf applies documents.css itself (parsed once); only a browser needs the link
    context["stylesheet_url"] = static_url + STYLESHEET if base_url else None
    try:
        return jinja_env().get_template(template).render(context)
    except _MissingField as error:
        raise TemplateDataError(template, error.field) from None


_SAMPLE_VERIFICATION = {"code": "SAMPLE00", "url": "https://example.invalid/verify/SAMPLE00"}


def check_template(kind_template: str, sample: dict) -> None:
    """Render `kind_template` with `sample` data as a draft and as an issued document; a field
    the sample lacks raises TemplateDataError (TemplateNotFound / TemplateSyntaxError as Jinja
    raises them). Meant for load time, so a broken template fails before any user sees it."""
    render_html(kind_template, sample, draft=True)
    render_html(kind_template, sample, draft=False,
                verification={**_SAMPLE_VERIFICATION, "qr_svg": _SAMPLE_QR})


# --------------------------------------------------------------------------- QR code --

def qr_svg(url: str) -> str:
    """An inline SVG QR code (error correction M, no quiet zone, sized by CSS)."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(scale=1, border=0, dark="#000", omitsize=True)


_SAMPLE_QR = qr_svg(_SAMPLE_VERIFICATION["url"])


# ------------------------------------------------------------------------ WeasyPrint --

def _weasyprint():
    import weasyprint  # imported on first render: it takes ~0.5 s

    return weasyprint


def _make_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        """Serves the app's own static files and ``data:`` URLs; refuses everything else
        (http, https, ftp, file:// outside static/, …) with ResourceRefused."""

        _cache: dict[Path, tuple[int, int, bytes]] = {}
        _cache_lock = threading.Lock()

        def __init__(self):
            super().__init__(timeout=1, allowed_protocols={"file", "data"},
                             allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise ResourceRefused(f"documents may only load the app's static files: {url}")
            path = static_path(url)
            body = self._read(path)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), body=body, headers={"Content-Type": mime})

        @classmethod
        def _read(cls, path: Path) -> bytes:
            stat = path.stat()
            with cls._cache_lock:
                cached = cls._cache.get(path)
                if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
                    return cached[2]
            body = path.read_bytes()
            if len(body) <= 1_000_000:   # fonts are read once by Fontconfig; keep them out
                with cls._cache_lock:
                    cls._cache[path] = (stat.st_mtime_ns, stat.st_size, body)
            return body

    return StaticFetcher


def static_path(url: str) -> Path:
    """The file a ``file:`` URL names, if it is inside static/; else ResourceRefused."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ResourceRefused(f"documents may only load the app's static files: {url}")
    path = Path(url2pathname(parts.path)).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file():
        raise ResourceRefused(f"documents may only load the app's static files: {url}")
    return path


_STATE_LOCK = threading.RLock()
_state: dict[str, Any] = {}
_FETCHER_CLASS: list[type] = []


def url_fetcher():
    """A WeasyPrint URL fetcher (a ``StaticFetcher``) that serves only the app's static files
    and data: URLs; calling it with any other URL raises ResourceRefused. (A factory, so that
    importing this module does not import WeasyPrint.)"""
    with _STATE_LOCK:
        if not _FETCHER_CLASS:
            _FETCHER_CLASS.append(_make_fetcher_class())
    return _FETCHER_CLASS[0]()


def _forget_inherited() -> None:
    """After a fork, start afresh: Pango objects are not to be shared across processes, and the
    parent's temporary font folder is the parent's to delete."""
    if _state.get("pid") != os.getpid():
        inherited = _state.get("font_config")
        if inherited is not None:
            inherited._folder = None
        _state.clear()
        _state["pid"] = os.getpid()


def _font_config() -> FontConfiguration:
    with _STATE_LOCK:
        _forget_inherited()
        if "font_config" not in _state:
            from weasyprint.text.fonts import FontConfiguration

            _state["font_config"] = FontConfiguration()
            _state["fetcher"] = url_fetcher()
            _state["image_cache"] = {}
        return _state["font_config"]


@atexit.register
def _release() -> None:
    """Drop the font configuration while the interpreter is intact (its finaliser removes the
    temporary font folder and fails if it runs during the final teardown)."""
    with _STATE_LOCK:
        _forget_inherited()
        _state.clear()


def _stylesheet():
    """documents.css parsed once (again when the file changes); parsing it registers the
    @font-face fonts with the font configuration, which keeps them for the process."""
    path = STATIC / STYLESHEET
    stamp = path.stat().st_mtime_ns
    with _STATE_LOCK:
        cached = _state.get("stylesheet")
        if cached is None or cached[0] != stamp:
            font_config = _font_config()
            sheet = _weasyprint().CSS(url=path.as_uri(), url_fetcher=_state["fetcher"],
                                      font_config=font_config)
            cached = _state["stylesheet"] = (stamp, sheet)
        return cached[1]


_RENDER_LOCK = threading.Lock()
IMAGE_CACHE_ENTRIES = 256  # decoded images (and their streams) kept between renders


def render_pdf(html: str, *, pdfa: bool = False) -> bytes:
    """HTML from render_html (base_url=None) → PDF bytes; `pdfa` makes it PDF/A-3b.

    documents.css is always applied (as the user stylesheet, so a template's own <style> can
    override it); "static/…" URLs in the HTML resolve under the repository's static/ folder and
    nothing else is fetched (refused resources are left out with a warning in the log)."""
    weasyprint = _weasyprint()
    with _RENDER_LOCK:
        font_config = _font_config()
        stylesheet = _stylesheet()
        if len(_state["image_cache"]) > IMAGE_CACHE_ENTRIES:
            _state["image_cache"].clear()  # the static images are decoded again, once
        document = weasyprint.HTML(string=html, base_url=BASE_URL,
                                   url_fetcher=_state["fetcher"])
        return document.write_pdf(
            stylesheets=[stylesheet],
            font_config=font_config,
            pdf_variant=PDFA_VARIANT if pdfa else None,
            cache=_state["image_cache"],
        )


def render(template: str, data: dict, *, draft: bool, verification: dict | None = None,
           pdfa: bool = False) -> bytes:
    """render_html then render_pdf."""
    html = render_html(template, data, draft=draft, verification=verification)
    return render_pdf(html, pdfa=pdfa)


_WARM_HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head>
<body class="form"><h1>预热</h1><p>汶上县应急管理局 喆𠮷〇 1,000.00</p></body></html>"""


def warm() -> None:
    """Import WeasyPrint and register the fonts now (a worker calls this before its first job)."""
    render_pdf(_WARM_HTML)

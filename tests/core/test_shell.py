"""The web shell: Chinese error pages, no outside URLs, vendored assets present."""

import re
from pathlib import Path

import pytest

from enforcement import ROOT

PAGES_BY_ROLE = {
    "admin": ["/", "/admin/users", "/admin/users/new", "/admin/calendar", "/account"],
    "auditor": ["/", "/audit/", "/account"],
    "officer": ["/", "/account", "/account/password", "/account/2fa"],
}
URL_ATTR = re.compile(r'(?:src|href|action)="([^"]+)"')


@pytest.mark.parametrize("role", sorted(PAGES_BY_ROLE))
def test_pages_refer_to_no_outside_url_and_assets_exist(client, make_user, login, role):
    login(make_user([role]))
    for path in PAGES_BY_ROLE[role]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for url in URL_ATTR.findall(html):
            assert not re.match(r"^(https?:)?//", url), f"{path} refers to {url}"
            if url.startswith("/static/"):
                file = ROOT / url.split("?")[0].lstrip("/")
                assert file.exists(), f"{path}: missing asset {url}"
        assert "<script>" not in html, "inline scripts are forbidden by the CSP"


def test_login_page_refers_to_no_outside_url(client):
    html = client.get("/login").get_data(as_text=True)
    assert not [u for u in URL_ATTR.findall(html) if re.match(r"^(https?:)?//", u)]


def test_chinese_404_page(client, make_user, login):
    login(make_user())
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_csp_forbids_inline_script_and_framing(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "'self'" in script_src and "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp


def test_vendored_assets_are_recorded_with_licences():
    record = (ROOT / "static/vendor/VENDORED.md").read_text()
    for library in ("bootstrap", "htmx", "echarts", "swagger-ui"):
        assert library in record
        assert any(Path(ROOT / "static/vendor").glob(f"{library}*/LICENSE*"))

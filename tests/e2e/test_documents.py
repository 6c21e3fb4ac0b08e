"""Journey of a document: the reviewer opens a penalty notice in the queue and returns it with
an opinion; the officer regenerates it from the case and resubmits; the reviewer signs; the
officer issues it; the public verification page confirms it by code and by upload, and
rejects a tampered copy."""

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def _new_page(browser, base, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, username)
    return context, page


def _state(page):
    return page.locator("[data-testid=document-state]").inner_text().strip()


def test_review_sign_issue_and_verify(browser, live_server):
    reviewer_ctx, rp = _new_page(browser, live_server, "reviewer1")
    officer_ctx, op = _new_page(browser, live_server, "officer1")
    public_ctx = browser.new_context(locale="zh-CN")
    try:
        rp.goto(f"{live_server}/documents/queue")
        rp.locator("[data-testid=document-list] a").first.click()
        rp.wait_for_load_state()
        assert _state(rp) == "待审核"
        doc_url = rp.url
        rp.fill("[data-testid=opinion]", "告知书中陈述申辩期限表述请核对")
        rp.click("[data-testid=doc-return]")
        rp.wait_for_load_state()
        assert _state(rp) == "草稿"

        op.goto(doc_url)
        assert "告知书中陈述申辩期限表述请核对" in op.locator(
            "[data-testid=return-opinion]").inner_text()
        op.click("[data-testid=doc-refresh]")
        op.wait_for_load_state()
        op.click("[data-testid=doc-submit]")
        op.wait_for_load_state()
        assert _state(op) == "待审核"

        rp.goto(doc_url)
        rp.click("[data-testid=doc-sign]")
        rp.wait_for_load_state()
        assert _state(rp) == "已签章"

        op.goto(doc_url)
        op.click("[data-testid=doc-issue]")
        op.wait_for_load_state()
        assert _state(op) == "已签发"
        number = op.locator("[data-testid=document-number]").inner_text().strip()
        assert "应急罚告〔" in number
        code = op.locator("[data-testid=verification-code]").inner_text().split("·")[0].strip()
        shot(op, "document-issued")
        pdf = op.request.get(live_server + op.locator("[data-testid=open-pdf]").get_attribute(
            "href")).body()
        assert pdf.startswith(b"%PDF")

        # the public, with no login: by code, by upload, and a tampered copy
        page = public_ctx.new_page()
        page.goto(f"{live_server}/verify/{code}")
        assert page.locator("[data-testid=verify-number]").inner_text().strip() == number
        page.goto(f"{live_server}/verify/")
        page.set_input_files("#verify-file", {"name": "notice.pdf", "mimeType": "application/pdf",
                                              "buffer": pdf})
        page.click("[data-testid=verify-submit]")
        page.wait_for_load_state()
        result = page.locator("[data-testid=upload-result]")
        assert "核验通过" in result.inner_text() and number in result.inner_text()
        tampered = bytearray(pdf)
        at = pdf.index(b"stream", 200) + 30
        tampered[at] = (tampered[at] + 1) % 256
        page.set_input_files("#verify-file", {"name": "notice.pdf", "mimeType": "application/pdf",
                                              "buffer": bytes(tampered)})
        page.click("[data-testid=verify-submit]")
        page.wait_for_load_state()
        assert "核验未通过" in page.locator("[data-testid=upload-result]").inner_text()
        shot(page, "document-tampered")
    finally:
        for context in (reviewer_ctx, officer_ctx, public_ctx):
            context.close()

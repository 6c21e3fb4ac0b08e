"""Browser journeys: a live server on its own SQLite database, driven by Playwright in Debian's
Chromium (/usr/bin/chromium). Skipped, with the reason, when Chromium is not installed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from enforcement import ROOT, create_app

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "Demo-pass-2026"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
LIVE: dict = {}  # the live server's app, for journeys that look at its database

if not os.path.exists(CHROMIUM):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium); "
                "browser journeys skipped", allow_module_level=True)


@pytest.fixture(autouse=True)
def _db():
    """The live server commits for real; no per-test transaction here (overrides tests/conftest)."""
    yield


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("e2e-instance")
    os.environ["INSTANCE_PATH"] = str(instance)
    app = create_app({
        "SECRET_KEY": "e2e-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'e2e.db'}",
        "STORAGE_DIR": str(instance / "files"),
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8, "ARGON2_PARALLELISM": 1,
    })
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    # in a thread of its own: signing the demo documents runs an event loop, and the browser
    # driver may already run one in this thread
    outcome = {}
    seeder = threading.Thread(target=lambda: outcome.update(
        result=app.test_cli_runner().invoke(args=["demo"])))
    seeder.start()
    seeder.join()
    result = outcome["result"]
    assert result.exit_code == 0, (result.output, result.exception)
    LIVE["app"] = app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit]:has-text('登录')")
    page.wait_for_load_state()

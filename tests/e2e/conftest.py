"""Real-browser tests: a real web server process (gunicorn) on the test database, driven by
Debian's headless Chromium through Playwright."""

import os

import pytest

from tests.support.clients import PROJECT, subprocess_env
from tests.support.live_server import gunicorn

# Playwright's sync API runs an event loop in this thread; the ORM calls tests make between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("HALL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT / "test-artifacts"


# Package scope: the server stops when the browser tests end, so its last buffered page views
# cannot land in the middle of a later test that counts them (test_analytics).
@pytest.fixture(scope="package")
def web_server(django_db_setup):
    with gunicorn(subprocess_env()) as server:
        yield server.port


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (iPhone 12-like viewport)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

"""One headless Chromium (Debian's package) for the whole session, driven by Playwright, against a live server."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CLOUDLET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture(scope="module")  # not session: sync Playwright keeps an event loop running in the main thread
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shot(page, tmp_path):
    """Screenshots go to docs/screenshots when CLOUDLET_SCREENSHOTS=1 (to refresh the README's), else to tmp."""
    target = ROOT / "docs" / "screenshots" if os.environ.get("CLOUDLET_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        out = target / f"{name}.png"
        page.screenshot(path=str(out), full_page=True)
        assert out.stat().st_size > 10_000
        return out
    return take


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


def assert_not_pwned(page) -> None:
    assert page.evaluate("window.__pwned") is None, "a hostile name or body ran as script"

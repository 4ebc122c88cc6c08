"""The console's browser tests share one way to start Debian's Chromium: a browser per test
module and a fresh phone-sized, Spanish (es-MX) context per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's Chromium is missing (/usr/bin/chromium): `apt-get install -y chromium` "
            "(make install-browser does it); the console's browser tests never skip"
        )
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 412, "height": 915}, locale="es-MX")
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()

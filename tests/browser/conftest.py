"""The browser tests' shared pieces: Debian's headless Chromium through Playwright, the two window sizes, signing in
at a desk, axe-core's accessibility check, screenshots and the no-sideways-scroll check.

Playwright never downloads a browser here: it launches /usr/bin/chromium (deploy/bootstrap.sh installs it), and
axe-core is the copy deploy/bootstrap.sh vendors from npm into `$TUOYU_STACK_DIR/vendor/axe.min.js`. Screenshots land
in tests/browser/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.stack import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def axe_script() -> Path:
    """Where deploy/bootstrap.sh puts axe-core: the stack directory of the environment, as deploy/env.sh says."""
    return Path(os.environ.get("TUOYU_STACK_DIR") or ROOT / ".stack") / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: deploy/bootstrap.sh installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


def new_page(browser, viewport: dict):
    """A page at that window size, in Chinese, at a phone's pixel density when narrow."""
    return browser.new_page(viewport=viewport, device_scale_factor=2 if viewport == PHONE else 1, locale="zh-CN")


def sign_in(browser, base_url: str, key: str, viewport: dict = LAPTOP):
    """A new page signed in at the desk of the service at `base_url` with `key`, showing the desk's first page."""
    page = new_page(browser, viewport)
    response = page.goto(f"{base_url}/desk/sign-in")
    assert response.status == 200, f"the sign-in page answered {response.status}"
    page.get_by_label("密钥").fill(key)
    with page.expect_navigation():
        page.locator("form:has(input[name=key]) [type=submit]").click()
    landed = page.url.split("?")[0].rstrip("/")
    assert landed == f"{base_url}/desk", f"signing in led to {page.url}: {page.inner_text('body')[:300]}"
    return page


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations of those impacts on the page as it is: each rule's id, impact, help and the CSS
    targets of the offending nodes, so a failing `assert not axe_violations(page)` says what is wrong and where."""
    script = axe_script()
    if not script.exists():
        pytest.fail(f"axe-core is missing at {script}: deploy/bootstrap.sh vendors it from npm")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [node["target"] for node in v["nodes"]]}
            for v in found if v["impact"] in impacts]


def screenshot(page, name: str) -> Path:
    """The whole page as tests/browser/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    return shot


def no_sideways_scroll(page) -> bool:
    """True when the page is no wider than its window (on a phone: nothing to scroll sideways to)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

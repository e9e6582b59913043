"""Once, in a real browser: JupyterLab runs the explorer, a slider moves, the figure changes.

Starts JupyterLab on 127.0.0.1 in a temporary folder (the helper package with
the reference solution as its layers.py), opens the notebook in headless
Chromium driven by Playwright, runs the explorer cell, moves the ε slider with
the keyboard and checks that the figure and the headline changed, then clicks
"both" (batch norm beside layer norm in the batch-size panels). The
screenshot goes to artifacts/explorer.png.

Needs Debian's chromium (`apt-get install -y chromium`; Playwright's own
browser download is not used) and the playwright package. Without them the
test is skipped, saying what is missing — unless REQUIRE_OPTIONAL=1, as in CI,
where it fails instead.
"""
import time

import optional
import pytest
from browser import chromium
from browser.lab import ROOT, Lab, course_folder

SCREENSHOT = ROOT / "artifacts" / "explorer.png"
FAILURE = ROOT / "artifacts" / "explorer-failure.png"
CELL = "from cs231n_style.explorer import open_explorer\nopen_explorer()"


@pytest.fixture(scope="module")
def playwright_page(tmp_path_factory):
    missing = chromium.missing()
    if missing:
        optional.missing("browser test needs " + " and ".join(missing))
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("course")
    state = tmp_path_factory.mktemp("lab-state")
    notebook = course_folder(folder, CELL)
    with Lab(folder, state) as lab, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(state / "chromium-profile"), executable_path=chromium.CHROMIUM, args=chromium.ARGS, headless=True,
            viewport={"width": 1400, "height": 1350})
        page = context.new_page()
        try:
            page.goto(lab.notebook_url(notebook), timeout=90_000)
            yield page, lab
        finally:
            context.close()


def _image_src(page):
    return page.locator("img.widget-image").first.get_attribute("src")


def test_a_slider_move_redraws_the_figure_in_jupyterlab(playwright_page):
    page, lab = playwright_page
    try:
        _run_the_explorer_and_move_a_slider(page)
    except Exception as exc:
        FAILURE.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(FAILURE))
        log = lab.log.read_text(errors="replace")[-3000:] if lab.log.exists() else "(no log)"
        raise AssertionError(f"{exc}\nScreenshot: {FAILURE}\nEnd of the JupyterLab log:\n{log}") from exc


def _run_the_explorer_and_move_a_slider(page):
    # The kernel must be up before the cell runs, or the run would wait for a kernel choice.
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    page.locator(".jp-Cell .jp-InputPrompt").first.click()  # select the cell (command mode)
    page.keyboard.press("Control+b")  # hide the file browser: more room for the figure
    page.locator(".jp-Cell .jp-InputPrompt").first.click()
    run = page.locator("[data-command='notebook:run-cell-and-select-next']").first
    run.click()
    prompt = page.locator(".jp-Cell .jp-InputPrompt").first
    try:  # "[*]:" while running, "[1]:" once done
        page.wait_for_function("(el) => /\\[[*0-9]+\\]/.test(el.textContent)", arg=prompt.element_handle(),
                               timeout=20_000)
    except Exception:
        prompt.click()  # a click lost while the page was still settling: once more
        run.click()

    image = page.locator("img.widget-image").first
    image.wait_for(state="visible", timeout=90_000)
    page.wait_for_function("() => { const i = document.querySelector('img.widget-image');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=60_000)
    headline = page.locator(".widget-html", has_text="N = 64").first
    assert "ε = 1.0e-05" in headline.inner_text()
    before_src, before_pixels = _image_src(page), image.screenshot()

    eps = page.locator(".widget-hslider", has=page.locator(".widget-label", has_text="ε")).first
    handle = eps.locator(".noUi-handle").first
    handle.focus()
    for _ in range(8):  # each PageUp moves five steps of 1/8 decade: 1e-5 -> 1e0
        handle.press("PageUp")
    readout = eps.locator(".widget-readout")
    page.wait_for_function("(el) => el.textContent.trim() === '1.0e+0' || el.value === '1.0e+0'",
                           arg=readout.element_handle(), timeout=10_000)
    # The kernel redraws after each step; wait until the headline shows the final ε.
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html')]"
                           ".some(e => e.textContent.includes('ε = 1.0e+00'))", timeout=30_000)
    page.wait_for_function("(src) => document.querySelector('img.widget-image').src !== src",
                           arg=before_src, timeout=30_000)
    time.sleep(0.5)  # let the last image finish loading before the screenshot
    after_pixels = image.screenshot()
    assert after_pixels != before_pixels

    # Batch norm and layer norm side by side in the batch-size panels: a click on "both".
    src = _image_src(page)
    page.locator(".widget-toggle-button", has_text="both").first.click()
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html')]"
                           ".some(e => e.textContent.includes('by N: both'))", timeout=30_000)
    page.wait_for_function("(src) => document.querySelector('img.widget-image').src !== src", arg=src, timeout=30_000)
    time.sleep(0.5)
    assert image.screenshot() != after_pixels
    assert "Traceback" not in page.locator(".jp-OutputArea").first.inner_text()

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.evaluate("() => document.querySelectorAll('.jp-WindowedPanel-outer').forEach(e => e.scrollTo(0, 0))")
    time.sleep(0.3)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 50_000

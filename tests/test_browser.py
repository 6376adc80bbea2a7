"""What a user sees in a browser: a notebook run in JupyterLab, and the reports' index page.

Headless Chromium driven by Selenium (Debian: ``apt install chromium chromium-driver``). The tests
skip, saying so, where no browser is installed; ``.ci/run`` installs one.

The JupyterLab test opens the inversion notebook with its smoke parameters, runs every cell from the
Run menu, and checks what a student would: the live training panel is redrawn in place while it
trains, every slider of the latent explorer redraws the image, and the saved notebook, reopened
on a fresh kernel, shows its final panels as images and no "Error displaying widget" (JupyterLab
saves the explorer's widget state: the setting the project installs, jupyter/overrides.json).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="no headless browser: install Debian's chromium and chromium-driver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from ganlib.labs import LABS, get_lab, resolve_params  # noqa: E402
from ganlib.settings import PROJECT_ROOT  # noqa: E402

WINDOW = (1600, 1000)


def wait_quietly(condition, timeout: float, every: float = 0.5):
    """Poll ``condition``; its first true value within ``timeout`` s, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if value := condition():
            return value
        time.sleep(every)
    return None


def wait_for(what: str, condition, timeout: float = 60, every: float = 0.5):
    """Poll ``condition`` until it returns something true; fail naming ``what`` after ``timeout`` s."""
    value = wait_quietly(condition, timeout, every)
    if not value:
        pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
    return value



@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on localhost serving a folder that holds the inversion notebook with its
    smoke parameters (papermill --prepare-only), its figures going to out/ in that folder."""
    import papermill

    root = tmp_path_factory.mktemp("lab")
    papermill.execute_notebook(str(get_lab("inversion").notebook), str(root / "inversion.ipynb"),
                               parameters=resolve_params("inversion", "smoke"), prepare_only=True)
    env = {k: v for k, v in os.environ.items() if k != "GANLIB_HEADLESS"}   # a live frontend, not headless
    env.update(GANLIB_OUT_DIR=str(root / "out"), JUPYTER_CONFIG_DIR=str(root / "config"),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"))
    port, token = free_port(), "ganlib-test"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
         "--allow-root"],   # CI containers run as root
        env=env, stdout=subprocess.DEVNULL, stderr=open(root / "server.log", "w"))
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return server.poll() is not None and pytest.fail((root / "server.log").read_text()[-2000:])
    wait_for("JupyterLab to listen", up, timeout=90)
    yield {"root": root, "url": url, "token": token}
    server.terminate()
    server.wait(timeout=30)


def open_notebook(driver, lab: dict, name: str) -> None:
    driver.get(f"{lab['url']}/lab/tree/{name}?token={lab['token']}&reset")
    wait_for("the notebook to open", lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"), 90)
    wait_for("the kernel to be idle", lambda: driver.execute_script(
        "const s = document.querySelector('.jp-Notebook-ExecutionIndicator');"
        "return s && s.getAttribute('data-status') === 'idle';"), 90)


def run_menu(driver, command: str) -> None:
    """Click Run in the menu bar, then the item of ``command`` (e.g. 'runmenu:run-all')."""
    menu = [m for m in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel") if m.text == "Run"][0]
    menu.click()
    item = wait_for(f"the menu item {command}", lambda: driver.find_elements(
        By.CSS_SELECTOR, f"li.lm-Menu-item[data-command='{command}']"), 10, every=0.2)
    item[0].click()


RECORD_IMAGES = """
window.seenImages = window.seenImages || {};
const record = () => document.querySelectorAll('.jp-Cell').forEach((cell, k) =>
    cell.querySelectorAll('.jp-OutputArea-output img').forEach(img => {
        (window.seenImages[k] = window.seenImages[k] || []).includes(img.src) || window.seenImages[k].push(img.src);
    }));
new MutationObserver(record).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                     attributeFilter: ['src']});
"""


def cell_index(notebook: Path, text: str) -> int:
    """The position of the first cell whose source holds ``text`` (the page shows cells in this order)."""
    cells = json.loads(notebook.read_text())["cells"]
    return next(k for k, cell in enumerate(cells) if text in "".join(cell["source"]))


def images_of(driver, cell: int) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-Cell')[arguments[0]]"
        ".querySelectorAll('.jp-OutputArea-output img')).map(i => i.src);", cell)


def run_finished(driver, root: Path, started: float) -> bool:
    """True once the run has written metrics.json; fails at once on a cell's error. Every minute it
    prints which cells have run, so that a run that times out says where it stood."""
    if errors := error_outputs(driver):
        pytest.fail(f"a cell failed: {errors[0][-1500:]}")
    if (root / "out" / "metrics.json").exists():
        return True
    elapsed = time.monotonic() - started
    if int(elapsed) % 60 < 2:
        print(f"{elapsed:4.0f} s: prompts {prompts(driver)}", flush=True)
    return False


def error_outputs(driver) -> list[str]:
    """The text of every cell output that shows an error."""
    return driver.execute_script("return Array.from(document.querySelectorAll('.jp-OutputArea-output'))"
                                 ".filter(o => o.innerText.includes('Error')).map(o => o.innerText);")


def prompts(driver) -> str:
    """The cells' execution prompts as the page shows them, e.g. '[1]: [2]: [*]: [*]:'."""
    return driver.execute_script("return Array.from(document.querySelectorAll('.jp-InputArea-prompt'))"
                                 ".map(p => p.innerText.trim()).join(' ');")


def test_a_notebook_run_in_jupyterlab_updates_its_panel_and_sliders_and_survives_saving(browser, jupyterlab):
    root = jupyterlab["root"]
    open_notebook(browser, jupyterlab, "inversion.ipynb")
    browser.execute_script(RECORD_IMAGES)
    run_menu(browser, "runmenu:run-all")
    if not wait_quietly(lambda: prompts(browser).strip(" []:"), 30):
        print("Run All Cells queued no cell within 30 s: clicking it again", flush=True)
        run_menu(browser, "runmenu:run-all")
    started = time.monotonic()
    # The smoke run takes about 1.5 minutes on a 2-core machine once warm; a fresh clone's first kernel and
    # JupyterLab's first start on a slow 2-core AVX2 EPYC took more than 400 s.
    timeout = 900
    if not wait_quietly(lambda: run_finished(browser, root, started), timeout, every=2):
        pytest.fail(f"timed out after {timeout} s waiting for the run to write metrics.json; prompts {prompts(browser)}; "
                    f"the server's log ends: {(root / 'server.log').read_text()[-3000:]}")
    wait_for("the kernel to finish", lambda: browser.execute_script(
        "return document.querySelector('.jp-Notebook-ExecutionIndicator').getAttribute('data-status') === 'idle';"),
        60)
    errors = error_outputs(browser)
    assert not errors, errors

    # The live panel was redrawn in place while training: it showed images it no longer shows.
    training = cell_index(root / "inversion.ipynb", "train.train_gan")
    seen = browser.execute_script("return window.seenImages[arguments[0]] || [];", training)
    final = images_of(browser, training)
    assert final, "the training cell shows no panel image at the end"
    assert len(set(seen) - set(final)) >= 1, "the live panel was never redrawn during training"

    # Each slider of the latent explorer redraws the explorer's image.
    explorer = cell_index(root / "inversion.ipynb", "LatentExplorer(")
    handles = browser.find_elements(By.CSS_SELECTOR, ".jp-Cell .widget-hslider .noUi-handle")
    assert len(handles) == 4, f"expected the explorer's 4 sliders, found {len(handles)}"
    for k, handle in enumerate(handles):
        before = images_of(browser, explorer)
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
        ActionChains(browser).click_and_hold(handle).move_by_offset(40 if k % 2 else -40, 0).release().perform()
        wait_for(f"slider z[{k}] to redraw the image", lambda: images_of(browser, explorer) not in ([], before), 20)

    # Saved, then reopened on a fresh kernel: the panels are images, no widget error anywhere.
    browser.find_element(By.CSS_SELECTOR, ".jp-Notebook").click()
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
    saved = root / "inversion.ipynb"
    wait_for("the notebook to be saved with its outputs", lambda: "image/png" in saved.read_text(), 30)
    # Only the explorer is a widget: its state is all the notebook stores (no progress bars, no panels).
    state = json.loads(saved.read_text())["metadata"].get("widgets", {})
    models = state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {}).values()
    kinds = {m["model_name"] for m in models}
    assert kinds <= {"FloatSliderModel", "SliderStyleModel", "LayoutModel", "VBoxModel", "OutputModel"}, kinds
    browser.execute_script("window.onbeforeunload = null;")
    import urllib.request
    for session in json.load(urllib.request.urlopen(f"{jupyterlab['url']}/api/sessions?token={jupyterlab['token']}")):
        request = urllib.request.Request(f"{jupyterlab['url']}/api/sessions/{session['id']}?token={jupyterlab['token']}",
                                         method="DELETE")
        urllib.request.urlopen(request)
    open_notebook(browser, jupyterlab, "inversion.ipynb")
    time.sleep(3)     # let the widget manager give up on models that no kernel holds
    page = browser.find_element(By.CSS_SELECTOR, ".jp-Notebook").text
    assert "Error displaying widget" not in page
    assert images_of(browser, cell_index(root / "inversion.ipynb", "train.train_gan")), "the reopened notebook lost its final panel"


def test_the_reports_index_fits_a_laptop_screen_and_shows_each_comparison(browser, tmp_path):
    """The index of the committed reports, rebuilt by this code, at 1600 x 1000."""
    from ganlib.index import write_index

    reports = PROJECT_ROOT / "reports"
    labs = [p for p in reports.iterdir() if p.is_dir()] if reports.is_dir() else []
    if not labs:
        pytest.skip("no reports to index (make reports)")
    for folder in labs:
        (tmp_path / folder.name).symlink_to(folder)
    page = write_index(tmp_path)
    browser.get(page.as_uri())
    wait_for("the figures to load", lambda: browser.execute_script(
        "return Array.from(document.images).every(i => i.complete);"), 30)
    width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window"
    upscaled = browser.execute_script("return Array.from(document.images).filter(i => i.width > i.naturalWidth + 1)"
                                      ".map(i => i.src);")
    assert not upscaled, upscaled
    tables = browser.find_elements(By.CSS_SELECTOR, "table.claims")
    assert tables and all(t.is_displayed() for t in tables), "a comparison table is folded away"
    assert all(t.find_elements(By.CSS_SELECTOR, "td.reproduced, td.partly, td.not-reproduced, td.inconclusive, "
                                                "td.not-learnt, td.not-measured") for t in tables)


def test_the_index_opens_on_the_summary_and_its_report_views_show_no_code(browser, tmp_path):
    """The summary of every lab in the first screen; each report view it links to fits 1600 px and has no code."""
    from test_pages import CODE, committed_index

    browser.get(committed_index(tmp_path).as_uri())
    summary = browser.find_elements(By.CSS_SELECTOR, "table.summary")
    assert summary, "no summary table"
    bottom, height = browser.execute_script("return [arguments[0].getBoundingClientRect().bottom, window.innerHeight];",
                                            summary[0])
    assert bottom <= height, f"the summary ends at {bottom:.0f} px, below the first screen ({height} px)"
    rows = summary[0].find_elements(By.CSS_SELECTOR, "tr")[1:]
    assert [r.find_element(By.CSS_SELECTOR, "td").text for r in rows] == list(LABS)
    views = [a.get_attribute("href") for a in summary[0].find_elements(By.LINK_TEXT, "report")]
    assert views
    for url in views:
        browser.get(url)
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert width[0] <= width[1], f"{url} is {width[0]} px wide in a {width[1]} px window"
        assert not browser.find_elements(By.CSS_SELECTOR, f".{CODE}"), f"{url} shows code"
        assert browser.find_elements(By.CSS_SELECTOR, "table.run-parameters")

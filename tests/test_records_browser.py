"""End to end in a real browser: two uploads for one new person, then their comparison on
the History page.

The app runs on 127.0.0.1 with its records in a temporary data folder (SQLite), so the
user's own records are never touched. Chromium is the Debian package, driven by Playwright.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from appserver import app_server

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
FIRST = SAMPLES / "positive_left_stance.mp4"
SECOND = SAMPLES / "negative_left_stance.mp4"
CHROMIUM = Path("/usr/bin/chromium")
PERSON = "Runner <B> 7"
EXAMINER = "Dr Lee"
NOTES = "barefoot <b>after</b> a run"
ANALYSIS_TIMEOUT_MS = 240_000   # a short clip takes 30-60 s on a loaded machine
PAGE_TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"
                       " (apt-get install chromium)"),
    pytest.mark.skipif(not (FIRST.exists() and SECOND.exists()),
                       reason="needs the sample clips in sample_videos/"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("playwright.sync_api")
    from screening.errors import ModelError
    from screening.pose.model import resolve_model

    try:
        resolve_model()
    except ModelError as exc:
        pytest.skip(f"pose model not installed ({exc.message})")
    work = tmp_path_factory.mktemp("records-browser")
    with app_server(work, env={}, start_timeout_s=60) as server:
        yield {**server, "data": work / "data"}


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--headless=new", "--no-sandbox"])
        yield b
        b.close()


# counts the app's script runs as the page shows them (stApp's data-test-script-state)
COUNT_RUNS = """
window.__scriptRuns = 0;
new MutationObserver(records => {
    for (const r of records) {
        if (r.attributeName === 'data-test-script-state'
                && r.target.getAttribute('data-test-script-state') === 'running') {
            window.__scriptRuns += 1;
        }
    }
}).observe(document, {attributes: true, subtree: true,
                      attributeFilter: ['data-test-script-state']});
"""


class Steps:
    """Runs the steps of the test; a failing step reports the page text, the browser
    console and the app's server log, with a screenshot in the test's tmp folder."""

    def __init__(self, page, server, tmp_path: Path) -> None:
        self.page, self.server, self.tmp_path = page, server, tmp_path
        self.console: list[str] = []
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))
        page.add_init_script(COUNT_RUNS)

    def fail(self, what: str, exc: BaseException | None = None) -> None:
        shot = self.tmp_path / "failure.png"
        try:
            self.page.screenshot(path=str(shot), full_page=True)
            text = self.page.inner_text("body")[-3000:]
        except Exception as err:   # the page itself may be gone
            text = f"(could not read the page: {err})"
        pytest.fail(f"{what}" + (f" ({type(exc).__name__}: {exc})" if exc else "")
                    + f"\nscreenshot: {shot}\npage text:\n{text}\nbrowser console:\n"
                    + "\n".join(self.console[-30:])
                    + f"\nserver log:\n{self.server['log'].read_text()[-4000:]}",
                    pytrace=False)

    def wait_text(self, text: str, what: str, timeout: float = PAGE_TIMEOUT_MS) -> None:
        try:
            self.page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)
        except Exception as exc:
            self.fail(f"{what}: {text!r} did not appear within {timeout / 1000:.0f} s", exc)

    def runs(self) -> int:
        return self.page.evaluate("() => window.__scriptRuns || 0")

    def idle(self, what: str, runs_before: int, timeout: float = PAGE_TIMEOUT_MS) -> None:
        """Wait until the app has run again after an action (or, should the page not have
        shown that run, 3 s have passed) and is idle: not running, connected, and no
        element left over from the run before."""
        try:
            self.page.wait_for_function(
                """([before, since]) => {
                    const app = document.querySelector('[data-testid=stApp]');
                    return app && app.getAttribute('data-test-script-state') === 'notRunning'
                        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
                        && !document.querySelector('[data-stale=true]')
                        && ((window.__scriptRuns || 0) > before || Date.now() - since > 3000);
                }""", arg=[runs_before, self.page.evaluate("() => Date.now()")],
                timeout=timeout)
        except Exception as exc:
            self.fail(f"the app did not finish its run after {what}", exc)

    def choose(self, label: str, option: str) -> None:
        """Pick ``option`` in the selectbox labelled ``label``."""
        before = self.runs()
        try:
            self.page.get_by_label(label, exact=True).click()
            self.page.get_by_role("option", name=option, exact=True).click()
        except Exception as exc:
            self.fail(f"could not choose {option!r} in {label!r}", exc)
        self.idle(f"choosing {option!r}", before)

    def type_into(self, label: str, text: str, *, commit: str = "Enter") -> None:
        """Type into the text field ``label`` and commit it (the app reruns): Enter in a
        line, Control+Enter in a text area."""
        before = self.runs()
        try:
            field = self.page.get_by_label(label, exact=True)
            field.fill(text)
            field.press(commit)
        except Exception as exc:
            self.fail(f"could not type into {label!r}", exc)
        self.idle(f"typing into {label!r}", before)


def upload_for_person(steps: Steps, server, clip: Path, *, new: bool) -> float:
    """Open the upload page afresh, choose the person (naming them the first time), upload
    ``clip`` and wait for its result; returns the seconds the analysis took."""
    page = steps.page
    page.goto(f"{server['url']}/?page=upload")
    steps.wait_text("How to record a good test", "the upload page did not open")
    if new:
        steps.choose("Person tested", "+ New person...")
        steps.type_into("New person (a name or a pseudonymous id)", PERSON)
    else:
        steps.choose("Person tested", PERSON)
    steps.type_into("Examiner", EXAMINER)
    steps.type_into("Notes", NOTES, commit="Control+Enter")
    started = time.monotonic()
    uploader = page.locator("[data-testid=stFileUploader]").first
    try:
        uploader.locator("input[type=file]").set_input_files(str(clip))
    except Exception as exc:
        steps.fail(f"could not upload {clip.name}", exc)
    steps.wait_text("Pelvic drop and trunk lean over time",
                    f"no result for {clip.name}", timeout=ANALYSIS_TIMEOUT_MS)
    steps.wait_text("Printable report (PDF)", f"no downloads for {clip.name}")
    took = time.monotonic() - started
    body = page.inner_text("body")
    if "Standing on the LEFT leg" not in body:
        steps.fail(f"the result of {clip.name} does not name the left standing leg")
    if "not recorded" in body:
        steps.fail(f"the result of {clip.name} was not recorded")
    return took


GRID_ROWS = """heading => {
    const head = Array.from(document.querySelectorAll('h5'))
        .find(h => h.innerText.trim() === heading);
    if (!head) return [];
    const grid = Array.from(document.querySelectorAll('[data-testid=stDataFrame]'))
        .find(g => head.compareDocumentPosition(g) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (!grid) return [];
    return Array.from(grid.querySelectorAll('table tr')).map(
        tr => Array.from(tr.querySelectorAll('th, td')).map(c => c.innerText.trim()));
}"""


def table_under(steps: Steps, heading: str, n_rows: int) -> list[dict[str, str]]:
    """The table that follows the heading ``heading``, once it has ``n_rows`` rows, as
    {column: text} per row. The grid is drawn on a canvas; its cells are read from the
    accessible table inside it (only the columns in view are there)."""
    try:
        steps.page.wait_for_function(f"heading => ({GRID_ROWS})(heading).length > {n_rows}",
                                     arg=heading, timeout=PAGE_TIMEOUT_MS)
    except Exception as exc:
        rows = steps.page.evaluate(GRID_ROWS, heading)
        steps.fail(f"the table under {heading!r} did not show {n_rows} rows: {rows}", exc)
    header, *rows = steps.page.evaluate(GRID_ROWS, heading)
    return [dict(zip(header, row, strict=False)) for row in rows]


def test_two_uploads_for_one_person_are_compared_on_the_history_page(server, browser,
                                                                   tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    steps = Steps(page, server, tmp_path)
    timings = [upload_for_person(steps, server, FIRST, new=True),
               upload_for_person(steps, server, SECOND, new=False)]
    print("analyses took " + ", ".join(f"{t:.0f} s" for t in timings))

    page.goto(f"{server['url']}/?page=history")
    steps.wait_text("Stored on this computer", "the History page did not open")
    steps.choose("Person", PERSON)
    steps.wait_text("Compare two sessions", "no comparison of the two sessions")
    sessions = table_under(steps, "Sessions", 2)
    if sorted(row.get("video") for row in sessions) != sorted([FIRST.name, SECOND.name]):
        steps.fail(f"the sessions table does not list both uploads: {sessions}")
    table = table_under(steps, "Compare two sessions", 1)
    print("comparison:", table)
    left = [row for row in table if row.get("standing leg") == "left"]
    if len(left) != 1 or not left[0].get("beyond the noise?"):
        steps.fail(f"the comparison has no full row for the left leg: {table}")
    (left,) = left
    change = float(left["change (deg)"])
    before, after = float(left["earlier drop (deg)"]), float(left["later drop (deg)"])
    assert change == pytest.approx(after - before, abs=0.02), table
    assert before >= 4.0 > after and change < 0, table   # positive first, negative second
    assert float(left["noise (deg)"]) > 0, table
    assert left["beyond the noise?"].startswith(("yes: a real change",
                                                 "no: within the noise")), table
    log = server["log"].read_text()
    assert "Traceback" not in log, log[-3000:]

    # both sessions are in the records with the examiner
    from screening.records import close_all, open_records

    database = server["data"] / "records.sqlite"
    sessions = open_records(f"sqlite:///{database}", data_dir=server["data"]).sessions(PERSON)
    close_all()
    assert [s["input"] for s in sessions] == [FIRST.name, SECOND.name]
    assert {(s["operator"], s["notes"]) for s in sessions} == {(EXAMINER, NOTES)}
    # the printable report of the latest upload has them, and the time of the analysis
    folder = Path(sessions[-1]["output_dir"])
    analysed_at = json.loads((folder / "result.json").read_text())["analysed_at"]
    report = (folder / "report.html").read_text()
    assert f"Examiner: <b>{EXAMINER}</b>" in report
    assert "barefoot &lt;b&gt;after&lt;/b&gt; a run" in report
    assert analysed_at[:10] + " " + analysed_at[11:16] in report

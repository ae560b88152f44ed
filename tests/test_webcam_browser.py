"""End to end: the webcam self-test in a real browser, with a rendered clip as the camera.

Chromium (Debian package, driven by Playwright) plays a synthetic single-leg-stance clip
as its fake camera; the app, served on 127.0.0.1 only, runs the guided protocol with short
timings, records, analyses the recording and shows the result. Screenshots of every page
go to a temporary folder, or to $PELVIC_SCREEN_SCREENSHOTS (`make screenshots` sets it to
docs/screenshots/).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from appserver import app_server
from conftest import SHARED  # PELVIC_SCREEN_SHARED_DIR, else ../shared

ROOT = Path(__file__).resolve().parents[1]
CLIP = SHARED / "synthetic" / "dev" / "C01.mp4"
CHROMIUM = Path("/usr/bin/chromium")
# screenshots go to a temporary folder; `make screenshots` asks for docs/screenshots
SCREENSHOTS = Path(os.environ.get("PELVIC_SCREEN_SCREENSHOTS")
                   or tempfile.mkdtemp(prefix="pelvic-screen-screenshots-"))
# short protocol: the guided test takes about 15 s. The fake camera loops an 8 s clip with
# one lift; a recording of at least 14 s always holds one whole lift with stance before it.
# a laptop screen, 768 px tall; the browser's own bars and Streamlit's header come off that
LAPTOP = {"width": 1366, "height": 680}
TIMINGS = "framing_ok=0.5,baseline=1,countdown=0.5,hold=5,lift_wait=1,rest=1.5,final=1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"
                       " (apt-get install chromium)"),
    pytest.mark.skipif(not CLIP.exists(), reason=f"needs the shared dev clips ({CLIP})"),
]


def to_y4m(src: Path, dst: Path) -> None:
    """Chromium's fake camera reads raw Y4M; convert the clip with PyAV."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", format="yuv4mpegpipe") as out:
        vs = inp.streams.video[0]
        stream = out.add_stream("rawvideo", rate=round(float(vs.average_rate)))
        stream.width, stream.height = vs.codec_context.width, vs.codec_context.height
        stream.pix_fmt = "yuv420p"
        for frame in inp.decode(vs):
            frame = frame.reformat(format="yuv420p")
            frame.pts = None
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def shoot(page, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so the
    viewport is made as tall as that block first."""
    height = page.evaluate("""() => Math.max(900,
        ...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))""")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 6000)})
    time.sleep(0.5)
    page.screenshot(path=str(SCREENSHOTS / name))
    page.set_viewport_size({"width": width, "height": 900})


def page_report(page, server, console: list[str]) -> str:
    """What the page, the webcam component, the browser console and the app server said."""
    page.screenshot(path=str(server["work"] / "failure.png"), full_page=True)
    try:
        inner = page.frame_locator("iframe[title*='streamlit_webrtc']").locator("body")
        component = inner.inner_text(timeout=5_000)
    except Exception as exc:  # the component frame itself may be what is missing
        component = f"(could not read: {exc})"
    return (f"page text:\n{page.inner_text('body')[-2000:]}\n"
            f"webcam component:\n{component[-500:]}\n"
            "browser console:\n" + "\n".join(console[-30:]) + "\n"
            f"server log:\n{server['log'].read_text()[-3000:]}")


def fail_with_page(page, server, what: str, console: list[str]) -> None:
    pytest.fail(f"{what}; {page_report(page, server, console)}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("playwright.sync_api")
    work = tmp_path_factory.mktemp("webcam")
    with app_server(work, env={"PELVIC_SCREEN_ICE_LOOPBACK": "1",
                               "PELVIC_SCREEN_LIVE_TIMINGS": TIMINGS},
                    start_timeout_s=30) as server:
        yield server


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    y4m = server["work"] / "camera.y4m"
    to_y4m(CLIP, y4m)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless=new", "--no-sandbox", "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={y4m}",
            "--allow-loopback-in-peer-connection"])
        yield b
        b.close()


def test_guided_webcam_test_records_and_shows_a_result(server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # a laptop screen: the framing view (the whole preview, feet included) must fit
    page = browser.new_page(viewport=LAPTOP)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.goto(f"{server['url']}/?page=webcam")
    page.get_by_text("Webcam self-test", exact=False).first.wait_for(timeout=30_000)
    frame = page.frame_locator("iframe[title*='streamlit_webrtc']")
    start = frame.get_by_role("button", name="START")
    start.wait_for(timeout=60_000)
    start.click()
    started = time.monotonic()
    # the guided protocol runs on the live stream: wait for a hold prompt with a timer
    try:
        page.get_by_text("Hold timer", exact=False).first.wait_for(timeout=60_000)
    except Exception:
        fail_with_page(page, server, "no hold timer within 60 s of START", console)
    print(f"first hold after {time.monotonic() - started:.1f} s")
    video = frame.locator("video").first.bounding_box()
    stop = frame.get_by_role("button", name="STOP").bounding_box()
    assert video is not None and stop is not None
    assert video["height"] >= 300, video                     # big enough to judge the framing
    assert stop["y"] + stop["height"] <= LAPTOP["height"], (video, stop)   # no scrolling
    time.sleep(1.0)
    page.screenshot(path=str(SCREENSHOTS / "webcam-hold.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    # then the recording is analysed like an upload and the result appears
    try:
        page.get_by_text("Pelvic drop and trunk lean over time").first.wait_for(timeout=90_000)
    except Exception:
        fail_with_page(page, server, "no result shown", console)
    page.get_by_text("Downloads").first.wait_for(timeout=60_000)
    print(f"result shown {time.monotonic() - started:.1f} s after START")
    time.sleep(2.0)
    body = page.inner_text("body")
    assert "Standing on the LEFT leg" in body, body[-3000:]
    assert "Traceback" not in body
    shoot(page, "webcam-result.png")
    log = server["log"].read_text()
    assert "Traceback" not in log, log[-3000:]
    # the result was recorded for the default person ("me") and shows on the History page
    page.goto(f"{server['url']}/?page=history")
    page.get_by_text("Pelvic drop per standing leg over time").first.wait_for(timeout=30_000)
    page.get_by_text("Stored on this computer").first.wait_for(timeout=30_000)
    assert "No results yet" not in page.inner_text("body")
    time.sleep(2.0)  # the table is drawn on a canvas after the page text
    shoot(page, "history.png")


def test_a_camera_stopped_early_says_what_happened_and_what_to_do(server, browser):
    page = browser.new_page(viewport=LAPTOP)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.goto(f"{server['url']}/?page=webcam")
    frame = page.frame_locator("iframe[title*='streamlit_webrtc']")
    frame.get_by_role("button", name="START").click(timeout=60_000)
    try:   # the camera is on and the protocol is recording
        page.get_by_text("Recording:", exact=False).first.wait_for(timeout=60_000)
    except Exception:
        fail_with_page(page, server, "no recording within 60 s of START", console)
    frame.get_by_role("button", name="STOP").click(timeout=30_000)
    try:
        page.get_by_text("What to do:", exact=False).first.wait_for(timeout=30_000)
    except Exception:
        fail_with_page(page, server, "no explanation after STOP", console)
    body = page.inner_text("body")
    assert "The test was stopped after" in body, body[-2000:]
    assert "Allow the camera" in body and "TURN server" in body, body[-2000:]
    page.get_by_role("button", name="Analyse what was recorded").wait_for(timeout=30_000)


def test_upload_and_batch_in_the_browser(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server['url']}/?page=upload")
    page.get_by_text("How to record a good test").first.wait_for(timeout=30_000)
    page.locator("input[type=file]").first.set_input_files(str(CLIP))
    page.get_by_text("Pelvic drop and trunk lean over time").first.wait_for(timeout=120_000)
    assert "Standing on the LEFT leg" in page.inner_text("body")
    page.get_by_text("Downloads").first.wait_for(timeout=60_000)
    time.sleep(2.0)
    shoot(page, "upload-result.png")

    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    page.goto(f"{server['url']}/?page=batch")
    page.get_by_text("Batch: several videos").first.wait_for(timeout=30_000)
    page.locator("input[type=file]").first.set_input_files([str(CLIP), str(broken)])
    page.get_by_role("button", name="Analyse all").wait_for(timeout=30_000)
    page.get_by_text("broken.mp4").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Analyse all").click()
    page.get_by_text("Summary").first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Download everything").wait_for(timeout=30_000)
    time.sleep(1.0)
    shoot(page, "batch-result.png")


def test_screenshots_of_the_other_pages(server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for slug, marker in (("learn", "First exercises"), ("upload", "How to record a good test"),
                         ("batch", "Batch")):
        page.goto(f"{server['url']}/?page={slug}")
        page.get_by_text(marker, exact=False).first.wait_for(timeout=30_000)
        time.sleep(0.5)
        shoot(page, f"{slug}.png")

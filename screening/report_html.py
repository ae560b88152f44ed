"""The printable one-page report of a result folder, as HTML and as PDF.

Works from an output folder written by :func:`screening.analyse_video`, read with
:meth:`screening.results.ResultBundle.from_dir`, so a result can be reported again later
without the model. The page puts together the words (screening.wording), the chart
(screening.charts) and the key frames (screening.keyframes). Everything a user typed (the
subject label, the examiner, the notes) and everything from the file (names, messages) is
HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import textwrap
from pathlib import Path

from .charts import CLASS_COLOURS, chart_png
from .files import write_bytes_atomic
from .keyframes import jpeg_of, key_frames
from .results import Classification, ResultBundle
from .wording import (
    DISCLAIMER,
    NOISE_NOTE,
    clean_text,
    estimator_note,
    hold_lines,
    hold_title,
    missed_hold_text,
    repeated_sides,
    side_line,
    weak_side_text,
)

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
PDF_NOTE_LINES = 6   # the PDF is one page: longer notes are cut there
MISSED_COLOUR = CLASS_COLOURS[Classification.INCONCLUSIVE]


# ---------------------------------------------------------------------------------------
# the report


def report_time(bundle: ResultBundle) -> dt.datetime:
    """When the video was analysed: ``analysed_at`` of result.json (local time of the
    analysis, with its offset), else the time result.json was written, else now."""
    return bundle.analysed_time() or dt.datetime.now().astimezone()


def when_text(bundle: ResultBundle, date: dt.date | dt.datetime | None = None) -> str:
    """The date and time of day of the report's header (a plain ``date``: the date only)."""
    if date is None:
        date = report_time(bundle)
    if isinstance(date, dt.datetime):
        return f"{date:%Y-%m-%d %H:%M}"
    return date.isoformat()


def _meta(bundle: ResultBundle) -> dict[str, str]:
    result = bundle.result
    model = result.model or {}
    versions = result.versions
    th = bundle.thresholds
    negative_below, positive_from = th.negative_below_deg, th.positive_from_deg
    lean_limit = th.compensation_lean_deg
    return {
        "model": (f"MediaPipe pose landmarker ({model.get('variant', '?')}), sha256 "
                  f"{str(model.get('sha256', ''))[:12]}..." if model else "n/a"),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()
                              if k in ("pelvic-screen", "mediapipe", "python")),
        "thresholds": (f"level below {negative_below:g} deg, positive from {positive_from:g} "
                       f"deg, trunk-lean compensation from {lean_limit:g} deg; estimator "
                       f"{result.estimator or 'hip_line'}"),
    }


def render_html(bundle: ResultBundle, *, subject_label: str = "",
                date: dt.date | dt.datetime | None = None, operator: str | None = None,
                notes: str | None = None, with_images: bool = True) -> str:
    """A self-contained, printable page (images inline). All text is escaped.

    ``date``: the time shown (default: when the video was analysed, :func:`report_time`);
    ``operator``: who examined; ``notes``: free text, kept as typed (line breaks too)."""
    e = html.escape
    operator, notes = clean_text(operator), clean_text(notes)
    meta = _meta(bundle)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Pelvic drop screening - {e(subject_label or bundle.name)}</title>",
        "<style>",
        "@page{size:A4;margin:12mm}body{font:11px/1.35 system-ui,sans-serif;color:#222;"
        "max-width:190mm;margin:auto}h1{font-size:17px;margin:0 0 4px}h2{font-size:13px;"
        "margin:10px 0 3px}.meta{color:#555}.hold{border-left:4px solid #999;padding:2px 8px;"
        "margin:6px 0}.frames{display:flex;gap:6px;flex-wrap:wrap}.frames figure{margin:0;"
        "width:23%}.frames img{width:100%}figcaption{font-size:9px;color:#555}"
        "img.chart{width:100%}footer{font-size:9px;color:#555;margin-top:6px}"
        ".notes{white-space:pre-wrap;border:1px solid #ccc;padding:3px 6px;margin:6px 0}"
        "@media print{.hold,figure{break-inside:avoid}}",
        "</style></head><body>",
        "<h1>Single-leg stance: pelvic drop (Trendelenburg test)</h1>",
        f"<div class='meta'>Subject: <b>{e(subject_label) if subject_label else '-'}</b> "
        f"&middot; Date: {e(when_text(bundle, date))}"
        + (f" &middot; Examiner: <b>{e(operator)}</b>" if operator else "")
        + f" &middot; Video: {e(bundle.name)}</div>",
    ]
    if notes:
        parts.append(f"<div class='notes'><b>Notes:</b> {e(notes)}</div>")
    if not bundle.ok:
        err = bundle.result.error
        parts.append(f"<h2>No result</h2><p>{e(err.message if err else '')} "
                     f"{e(err.hint if err else '')}</p>")
    repeated = repeated_sides(bundle.result)
    if repeated:
        parts.append("<h2>Per leg, all holds together</h2>")
        parts.extend(f"<div>{e(side_line(side))}</div>" for side in repeated)
    for hold in bundle.holds:
        colour = CLASS_COLOURS[hold.classification]
        parts.append(f"<div class='hold' style='border-color:{colour}'>"
                     f"<h2>{e(hold_title(hold))}</h2>")
        parts.extend(f"<div>{e(line)}</div>" for line in hold_lines(hold, bundle.thresholds))
        weak = weak_side_text(hold)
        if weak:
            parts.append(f"<div><b>{e(weak)}</b></div>")
        for reason in hold.reasons:
            parts.append(f"<div class='meta'>{e(reason)}</div>")
        parts.append("</div>")
    for missed in bundle.result.missed_holds:
        parts.append(f"<div class='hold missed' style='border-color:{MISSED_COLOUR}'>"
                     f"<h2>Standing on the {e(missed.stance_side.upper())} leg: not measured"
                     f"</h2><div>{e(missed_hold_text(missed))}</div></div>")
    if with_images and bundle.ok and bundle.timeseries:
        chart = base64.b64encode(chart_png(bundle)).decode()
        parts.append(f"<img class='chart' alt='pelvic drop and trunk lean over time' "
                     f"src='data:image/png;base64,{chart}'>")
        figures = []
        for k in range(min(len(bundle.holds), 2)):
            for frame in key_frames(bundle, k):
                data = base64.b64encode(jpeg_of(frame.rgb)).decode()
                caption = f"{bundle.holds[k].stance_side} stance: {frame.label}"
                figures.append(f"<figure><img alt='{e(caption)}' src='data:image/jpeg;base64,"
                               f"{data}'><figcaption>{e(caption)}</figcaption></figure>")
        if figures:
            parts.append("<div class='frames'>" + "".join(figures) + "</div>")
    parts.append("<footer>")
    for w in bundle.result.warnings:
        parts.append(f"<div>Note: {e(w)}</div>")
    parts.append(f"<div>{e(NOISE_NOTE)} {e(estimator_note(bundle.result.estimator))}"
                 "</div>")
    parts.append(f"<div>Model: {e(meta['model'])}. Versions: {e(meta['versions'])}. "
                 f"Thresholds: {e(meta['thresholds'])}.</div>")
    parts.append(f"<div><b>{e(DISCLAIMER)}</b></div></footer></body></html>")
    return "\n".join(parts)


def render_pdf(bundle: ResultBundle, *, subject_label: str = "",
               date: dt.date | dt.datetime | None = None, operator: str | None = None,
               notes: str | None = None) -> bytes:
    """The same page as a one-page A4 PDF, drawn with matplotlib's PDF backend (long notes
    are cut to a few lines there; report.html has them whole).

    The text is set in the PDF's standard Helvetica (no font to embed: less than half the
    time of an embedded one) when every character is in its Western European character
    set, else in the embedded DejaVu Sans, which covers Greek, Cyrillic and more."""
    import matplotlib

    fields = {"subject_label": subject_label, "date": date, "operator": operator,
              "notes": notes}
    if bundle.ok and bundle.timeseries:
        chart_png(bundle)   # drawn (and cached) in the chart's own fonts, not the page's
    try:
        with matplotlib.rc_context(CORE_FONTS):
            return _render_pdf(bundle, core_fonts=True, **fields)
    except UnicodeEncodeError:
        return _render_pdf(bundle, core_fonts=False, **fields)


# matplotlib's settings for the PDF's standard fonts (Helvetica; no font embedded)
CORE_FONTS = {"pdf.use14corefonts": True, "font.family": "sans-serif",
              "font.sans-serif": ["Helvetica"]}


def _render_pdf(bundle: ResultBundle, *, subject_label: str,
                date: dt.date | dt.datetime | None, operator: str | None, notes: str | None,
                core_fonts: bool) -> bytes:
    """:func:`render_pdf`; with ``core_fonts`` (and matplotlib's settings for them), raises
    UnicodeEncodeError for a character those fonts do not have."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    operator, notes = clean_text(operator), clean_text(notes)
    meta = _meta(bundle)
    fig = Figure(figsize=(8.27, 11.69))
    FigureCanvasPdf(fig)
    y = 0.965
    # Helvetica's regular face is "medium" in its metrics: asked for as "normal",
    # matplotlib would warn on every text
    regular = "medium" if core_fonts else "normal"

    def place(x: float, y_top: float, s: str, *, size: float, bold: bool, colour: str,
              **kwargs) -> None:
        if core_fonts:
            s.encode("cp1252")   # the standard fonts' characters; else UnicodeEncodeError
        fig.text(x, y_top, s, fontsize=size, weight="bold" if bold else regular,
                 color=colour, va="top", **kwargs)

    def text(s: str, *, size: float = 8.5, bold: bool = False, colour: str = "#222222",
             width: int = 104, gap: float = 0.0) -> None:
        nonlocal y
        for line in textwrap.wrap(s, width) or [""]:
            place(0.06, y, line, size=size, bold=bold, colour=colour)
            y -= size * 1.45 / (11.69 * 72)
        y -= gap

    text("Single-leg stance: pelvic drop (Trendelenburg test)", size=14, bold=True, gap=0.004)
    text(f"Subject: {subject_label or '-'}   Date: {when_text(bundle, date)}"
         + (f"   Examiner: {operator}" if operator else "") + f"   Video: {bundle.name}",
         colour="#555555", gap=0.006)
    if notes:
        lines = [w for line in notes.splitlines() for w in textwrap.wrap(line, 100) or [""]]
        if len(lines) > PDF_NOTE_LINES:
            lines = lines[:PDF_NOTE_LINES - 1] + ["(... the whole notes are in report.html)"]
        for k, line in enumerate(lines):
            text(("Notes: " if k == 0 else "") + line, width=200,
                 gap=0.006 if k == len(lines) - 1 else 0.0)
    if not bundle.ok:
        err = bundle.result.error
        text(f"No result: {err.message if err else ''} {err.hint if err else ''}", gap=0.006)
    for side in repeated_sides(bundle.result):
        text(side_line(side), bold=True, gap=0.004)
    for hold in bundle.holds[:4]:
        colour = CLASS_COLOURS[hold.classification]
        text(hold_title(hold), size=10, bold=True, colour=colour)
        for line in hold_lines(hold, bundle.thresholds):
            text(line, width=108)
        weak = weak_side_text(hold)
        if weak:
            text(weak, bold=True, width=96)
        y -= 0.006
    for missed in bundle.result.missed_holds:
        text(f"Standing on the {missed.stance_side.upper()} leg: not measured", size=10,
             bold=True, colour=MISSED_COLOUR)
        text(missed_hold_text(missed), width=108, gap=0.006)
    if bundle.ok and bundle.timeseries:
        chart_h = 0.25
        y_chart = max(y - chart_h, 0.30)
        ax_png = fig.add_axes((0.05, y_chart, 0.9, chart_h))
        import matplotlib.image

        ax_png.imshow(matplotlib.image.imread(io.BytesIO(chart_png(bundle))))
        ax_png.axis("off")
        y = y_chart - 0.01
        frames = []
        for k in range(min(len(bundle.holds), 2)):
            frames += [(bundle.holds[k].stance_side, f) for f in key_frames(bundle, k)]
        if frames:
            n = len(frames)
            w = 0.88 / max(n, 4)
            h = min(y - 0.12, 0.2)
            caption_h = 2 * 6 * 1.3 / (11.69 * 72)   # two lines of 6 pt
            for i, (stance, frame) in enumerate(frames):
                x = 0.06 + i * (w + 0.005)
                # the caption as the figure's text, not the axes' title: no title layout
                place(x + w / 2, y, f"{stance} stance:\n{frame.label}", size=6, bold=False,
                      colour="#222222", ha="center", linespacing=1.3)
                ax = fig.add_axes((x, y - caption_h - h, w, h))
                ax.imshow(frame.rgb)
                ax.set_anchor("N")
                ax.axis("off")
            y = y - caption_h - h - 0.02
    y = min(y, 0.11)
    for w in bundle.result.warnings:
        text(f"Note: {w}", size=7, colour="#555555", width=132)
    text(NOISE_NOTE, size=7, colour="#555555", width=132)
    text(f"Model: {meta['model']}. Versions: {meta['versions']}.", size=7, colour="#555555",
         width=132)
    text(f"Thresholds: {meta['thresholds']}.", size=7, colour="#555555", width=132)
    text(DISCLAIMER, size=7.5, bold=True, width=112)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    return buf.getvalue()


def write_reports(out_dir: str | Path, *, subject_label: str = "",
                  date: dt.date | dt.datetime | None = None, operator: str | None = None,
                  notes: str | None = None, bundle: ResultBundle | None = None
                  ) -> dict[str, Path]:
    """Write report.html and report.pdf next to result.json; returns their paths.

    ``bundle``: the folder already loaded (its decoded key frames are reused)."""
    out_dir = Path(out_dir)
    bundle = bundle or ResultBundle.from_dir(out_dir)
    paths = {"report_html": out_dir / REPORT_HTML, "report_pdf": out_dir / REPORT_PDF}
    fields = {"subject_label": subject_label, "date": date, "operator": operator,
              "notes": notes}
    write_bytes_atomic(paths["report_html"], render_html(bundle, **fields).encode())
    write_bytes_atomic(paths["report_pdf"], render_pdf(bundle, **fields))
    return paths

"""The printable one-page report (HTML and PDF) and the pieces the app shows with it.

Works from an output folder written by :func:`screening.analyze_video` (``result.json``,
``timeseries.csv``, ``annotated.mp4``), so a result can be reported again later without
the model. Pieces: plain-words lines per test, the pelvic-drop / trunk-lean chart (with
hold windows and thresholds), key frames (baseline and worst moment), and the report
itself. Everything a user typed (the subject label, the examiner, the notes) and everything
from the file (names, messages) is HTML-escaped.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import recorded_value
from .estimators import uncertainty_deg
from .files import write_bytes_atomic

DEFAULT_FILES = {"annotated_video": "annotated.mp4", "timeseries": "timeseries.csv",
                 "landmarks": "landmarks.npz", "result": "result.json"}
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
PDF_NOTE_LINES = 6   # the PDF is one page: longer notes are cut there
NOISE_NOTE = ("Camera measurements of pelvic drop differ by about 3-4 deg between repeats "
              "(video SDD 2.7-2.8 deg, Dingenen 2018; goniometer MDC 4 deg, Youdas 2007): "
              "a result within that distance of a threshold is approximate.")
DISCLAIMER = ("Screening and education, not a diagnosis. A positive or borderline result "
              "points to exercises and, if in doubt, to a clinician.")
# what each estimator cannot see (docs/VALIDATION.md, "What each measurement assumes")
ESTIMATOR_LIMIT = {
    "leg": "It measures how far the lifted foot goes down after it has left the floor: a "
           "drop already there at that moment is missed, and a lifted foot that sinks reads "
           "as a drop. Keep the foot still, or wear the printed pelvis markers.",
    "hip_line": "The hip landmarks follow the trunk more than the pelvis, so it under-reads "
                "the drop.",
}


def estimator_note(estimator: str) -> str:
    """What is known of the error of ``estimator`` (and of the markers) on rendered clips
    with a known drop, from the held-out numbers in screening.estimators."""
    error = uncertainty_deg(estimator)
    if not math.isfinite(error):
        return ""
    limit = ESTIMATOR_LIMIT.get(estimator)
    return (f"On rendered bodies with a known pelvic drop and realistic motions that no fit "
            f"had seen, the camera-only ({estimator}) estimate was off by {error:.1f} deg on "
            f"average; with the printed pelvis markers by {uncertainty_deg('markers'):.1f} "
            "deg." + (f" {limit}" if limit else ""))


CLASS_WORDS = {
    "negative": "level pelvis (negative)",
    "borderline": "small drop, within measurement noise (borderline)",
    "positive": "pelvis dropped (positive)",
    "inconclusive": "could not be measured (inconclusive)",
}
CLASS_COLOURS = {"negative": "#1e8c4e", "borderline": "#c98a00", "positive": "#c0392b",
                 "inconclusive": "#6b6b6b"}


# ---------------------------------------------------------------------------------------
# loading an output folder


@dataclass
class ResultBundle:
    """One analysed input: its result document, per-frame series and output files."""

    doc: dict
    timeseries: dict[str, np.ndarray] = field(default_factory=dict)
    out_dir: Path | None = None
    cache: dict = field(default_factory=dict, repr=False)   # decoded key frames, the chart
    # where the key frames come from: ``frames_at(times_s)`` gives the frames nearest to
    # those times (RGB, at most 480 px wide, None where there is none); default: decoded
    # from the annotated video (or the input video)
    frames_at: Callable[[list[float]], list[np.ndarray | None]] | None = \
        field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.doc.get("status") == "ok"

    @property
    def tests(self) -> list[dict]:
        return list(self.doc.get("tests") or [])

    @property
    def name(self) -> str:
        return Path(str(self.doc.get("input") or "video")).name

    def file(self, key: str) -> Path | None:
        """An output file by its key in ``doc["outputs"]`` (``annotated_video``, ...), or by
        its usual name in the folder."""
        value = (self.doc.get("outputs") or {}).get(key) or DEFAULT_FILES.get(key)
        if value and Path(value).is_absolute() and Path(value).is_file():
            return Path(value)
        if value and self.out_dir is not None and (self.out_dir / Path(value).name).is_file():
            return self.out_dir / Path(value).name
        return None

    def thresholds(self) -> tuple[float, float, float]:
        cfg = self.doc.get("config")
        return tuple(float(recorded_value(cfg, name)) for name in
                     ("negative_below_deg", "positive_from_deg", "compensation_lean_deg"))


def read_timeseries_csv(path: str | Path) -> dict[str, np.ndarray]:
    """``timeseries.csv`` back into arrays: numbers as float (empty = NaN), text kept."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    out: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        column = [r[j] if j < len(r) else "" for r in body]
        try:
            out[name] = np.array([float(v) if v != "" else np.nan for v in column])
        except ValueError:
            out[name] = np.array(column, dtype=object)
    return out


def load_bundle(out_dir: str | Path) -> ResultBundle:
    out_dir = Path(out_dir)
    doc = json.loads((out_dir / "result.json").read_text())
    ts_path = out_dir / "timeseries.csv"
    ts = read_timeseries_csv(ts_path) if ts_path.is_file() else {}
    return ResultBundle(doc, ts, out_dir)


# ---------------------------------------------------------------------------------------
# words


def _deg(value) -> str:
    return "n/a" if value is None or not math.isfinite(float(value)) else f"{float(value):.1f} deg"


def repeated_sides(doc: dict) -> list[dict]:
    """The per-side results, when some leg was tested more than once (else empty: the
    per-hold results already say everything)."""
    sides = doc.get("sides") or []
    return sides if any(side.get("n_holds", 1) > 1 for side in sides) else []


def side_line(side: dict) -> str:
    """One line for a leg tested several times."""
    drop = (side.get("pelvic_drop_deg") or {}).get("median")
    return (f"Standing on the {side['stance_side'].upper()} leg, {side['n_holds']} holds "
            f"({side['n_measured']} measured): "
            f"{CLASS_WORDS.get(side['classification'], side['classification'])}"
            + (f", median drop {_deg(drop)}" if drop is not None else "") + ".")


def result_title(test: dict) -> str:
    return (f"Standing on the {test['stance_side'].upper()} leg "
            f"({test['lifted_side']} foot lifted)")


def result_lines(test: dict, thresholds: tuple[float, float, float]) -> list[str]:
    """The numbers of one test in plain words, with their uncertainty."""
    negative_below, positive_from, lean_limit = thresholds
    drop = test.get("pelvic_drop_deg") or {}
    lines = [f"Result: {CLASS_WORDS.get(test['classification'], test['classification'])}"
             + (f" - {test['clinical_label']}" if test.get("clinical_label") else "")]
    if test["classification"] != "inconclusive":
        lines.append(f"Pelvic drop on the {test['lifted_side']} side: median "
                     f"{_deg(drop.get('median'))} (middle half of the hold "
                     f"{_deg(drop.get('p25'))} to {_deg(drop.get('p75'))}, peak "
                     f"{_deg(drop.get('peak'))}); thresholds: below {negative_below:g} deg "
                     f"level, from {positive_from:g} deg positive.")
        if test.get("evidence"):
            lines.append(evidence_text(test))
        lines.append(lean_text((test.get("trunk_lean_deg") or {}).get("median"),
                               compensated=bool(test.get("compensated")),
                               lean_limit=lean_limit))
        ttd = test.get("time_to_drop_s")
        lines.append(f"Time to drop: {ttd:.1f} s into the hold." if ttd is not None else
                     f"Time to drop: the drop did not pass {positive_from:g} deg and stay "
                     "there during the hold.")
    lines.append(f"Hold: {test['hold_duration_s']:.1f} s (from {test['hold_start_s']:.1f} s "
                 f"to {test['hold_end_s']:.1f} s of the video; 30 s is standard).")
    return lines


def lean_text(lean_deg: float | None, *, compensated: bool, lean_limit: float) -> str:
    """The trunk lean in words: how far, and toward or away from the standing leg."""
    if lean_deg is None or not math.isfinite(float(lean_deg)):
        return "Trunk lean: n/a."
    toward = "toward" if lean_deg >= 0 else "away from"
    text = f"Trunk lean: {abs(float(lean_deg)):.1f} deg {toward} the standing leg"
    if compensated:
        return text + (f" - at or above {lean_limit:g} deg toward it: the trunk leaned over "
                       "the standing leg, which keeps the pelvis level and can hide a weak "
                       "side (compensated Trendelenburg).")
    if lean_deg >= 0:
        return text + f" (less than the {lean_limit:g} deg toward it that would hide a drop)."
    return text + " (a lean away from the standing leg does not hide a drop)."


def evidence_text(test: dict) -> str:
    """What the drop rests on, and its typical error."""
    u = test.get("uncertainty_deg")
    error = f" (typical error about {u:.1f} deg)" if u is not None else ""
    if test.get("evidence") == "markers":
        other = (test.get("markerless_pelvic_drop_deg") or {}).get("median")
        return (f"Measured from the printed pelvis markers{error}; the camera-only estimate "
                f"was {_deg(other)}.")
    text = f"Measured from the body landmarks alone, without markers{error}."
    if test.get("evidence_note"):
        text += " " + test["evidence_note"]
    return text


def weak_side_text(test: dict) -> str:
    """Which side is weak, named as clinicians do and explained; as strong as the
    measurement allows (a borderline drop names no weak side, only a possible one)."""
    side = test.get("weak_side")
    lifted = test["lifted_side"]
    muscles_of = ("the hip abductors at the side of your {side} hip (mainly gluteus medius), "
                  "which keep the pelvis level when you stand on that leg")
    if test.get("classification") == "borderline" and not side:
        stance = test["stance_side"]
        muscles = muscles_of.format(side=stance)
        return (f"Borderline: standing on your {stance} leg, the {lifted} side of your pelvis "
                f"sagged a little, within measurement noise. {muscles[0].upper()}{muscles[1:]}, "
                "may be weak, or may not: repeat the test, or use the printed pelvis markers "
                "for a reliable number.")
    if not side:
        return ""
    label = test.get("clinical_label") or f"{test['classification']} {side} Trendelenburg"
    label = f"{label[0].upper()}{label[1:]}"
    muscles = muscles_of.format(side=side)
    if test["classification"] == "positive":
        what = (f"standing on your {side} leg, the {lifted} side of your pelvis sagged: "
                f"{muscles}, did not hold it.")
    else:
        what = (f"your pelvis stayed level only because your trunk leaned over the {side} "
                f"leg; {muscles}, may still be weak.")
    return f"{label} - the weak side is your {side.upper()} side: {what}"


# ---------------------------------------------------------------------------------------
# chart and key frames


def hold_windows(doc: dict) -> list[tuple[float, float, str]]:
    return [(t["hold_start_s"], t["hold_end_s"], t["stance_side"]) for t in doc.get("tests")
            or []]


def chart_figure(bundle: ResultBundle, *, width_in: float = 8.0, height_in: float = 4.2):
    """Pelvic drop and trunk lean over time, hold windows shaded, thresholds dashed."""
    from matplotlib.figure import Figure

    ts = bundle.timeseries
    negative_below, positive_from, lean_limit = bundle.thresholds()
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    ax_drop, ax_lean = fig.subplots(2, 1, sharex=True)
    t = ts.get("t_s", np.array([]))
    tests = bundle.tests
    test_index = ts.get("test_index")
    phase = np.asarray(ts.get("phase", np.full(len(t), "", dtype=object)), dtype=object)
    for k, test in enumerate(tests):
        colour = CLASS_COLOURS.get(test["classification"], "#333333")
        for ax in (ax_drop, ax_lean):
            ax.axvspan(test["hold_start_s"], test["hold_end_s"], color=colour, alpha=0.12,
                       lw=0)
        ax_drop.text((test["hold_start_s"] + test["hold_end_s"]) / 2, 1.0,
                     f"hold on {test['stance_side']} leg", transform=ax_drop.get_xaxis_transform(),
                     ha="center", va="bottom", fontsize=8, color=colour)
        if len(t) and test_index is not None:
            mine = test_index == k
            # the drop is measured only during the hold (NaN elsewhere): the lift and the
            # lowering are drawn as transitions, not as a drop
            ax_drop.plot(t[mine], ts["pelvic_drop_deg"][mine], color=colour, lw=1.6)
            ax_lean.plot(t[mine], ts["trunk_lean_deg"][mine], color=colour, lw=1.2)
            for name, label in (("lift", "lift"), ("lower", "lowering")):
                moving = mine & (phase == name)
                if moving.any():
                    ax_drop.axvspan(float(t[moving].min()), float(t[moving].max()),
                                    color="#888888", alpha=0.18, lw=0, hatch="//")
                    ax_drop.text(float(t[moving].mean()), 0.02, label, fontsize=6,
                                 color="#555555", ha="center", va="bottom",
                                 transform=ax_drop.get_xaxis_transform())
    ax_drop.axhline(positive_from, color="#c0392b", ls="--", lw=1,
                    label=f"positive from {positive_from:g} deg")
    ax_drop.axhline(negative_below, color="#c98a00", ls=":", lw=1,
                    label=f"level below {negative_below:g} deg")
    ax_drop.axhline(0, color="#999999", lw=0.6)
    ax_drop.set_ylabel("pelvic drop (deg)\nlifted side lower +", fontsize=8)
    ax_drop.legend(fontsize=7, loc="upper left", frameon=False)
    ax_lean.axhline(lean_limit, color="#7d3c98", ls="--", lw=1,
                    label=f"compensation from {lean_limit:g} deg")
    ax_lean.axhline(0, color="#999999", lw=0.6)
    ax_lean.set_ylabel("trunk lean (deg)\ntoward stance leg +", fontsize=8)
    ax_lean.set_xlabel("time in the video (s)", fontsize=8)
    ax_lean.legend(fontsize=7, loc="upper left", frameon=False)
    for ax in (ax_drop, ax_lean):
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25)
    if len(t):
        ax_lean.set_xlim(float(np.nanmin(t)), float(np.nanmax(t)))
    return fig


def figure_png(fig, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    # light compression: a few kB more, several times faster than the default
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def chart_png(bundle: ResultBundle) -> bytes:
    """The chart of :func:`chart_figure` as PNG, drawn once per bundle for both reports."""
    if "chart_png" not in bundle.cache:
        bundle.cache["chart_png"] = figure_png(chart_figure(bundle, width_in=7.6,
                                                            height_in=2.9), dpi=150)
    return bundle.cache["chart_png"]


@dataclass(frozen=True)
class KeyFrame:
    label: str
    t_s: float
    rgb: np.ndarray


def key_frame_times(bundle: ResultBundle, index: int) -> dict[str, float]:
    """``baseline`` (both legs, just before the lift) and ``worst`` (largest drop in the
    steady hold) times for test ``index``; missing keys when the series cannot tell."""
    ts = bundle.timeseries
    test = bundle.tests[index]
    t = ts.get("t_s")
    if t is None or not len(t):
        return {}
    out: dict[str, float] = {}
    phase = ts.get("phase")
    if phase is not None:
        double = np.array([p == "double" for p in phase])
        before = double & (t < test["hold_start_s"]) & (t >= test["hold_start_s"] - 4.0)
        after = double & (t > test["hold_end_s"])
        pool = t[before] if before.any() else t[after][:30]
        if len(pool):
            out["baseline"] = float(np.median(pool))
    # the worst moment of the steady hold, where the numbers were measured (older results
    # without it: the whole hold)
    start = test.get("steady_start_s", test["hold_start_s"])
    end = test.get("steady_end_s", test["hold_end_s"])
    in_hold = (t >= start) & (t <= end)
    drop = ts.get("pelvic_drop_deg")
    if drop is not None and np.any(np.isfinite(drop[in_hold])):
        idx = np.flatnonzero(in_hold)
        out["worst"] = float(t[idx[np.nanargmax(drop[in_hold])]])
    return out


def read_frames_at(video: str | Path, times_s: list[float], *, max_width: int = 480
                   ) -> list[np.ndarray | None]:
    """The frames nearest to ``times_s`` (RGB, scaled to at most ``max_width``)."""
    import av

    best: list[tuple[float, np.ndarray | None]] = [(math.inf, None) for _ in times_s]
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * frame.time_base)
                near = [k for k, target in enumerate(times_s) if abs(t - target) < best[k][0]]
                if not near:
                    if t > max(times_s) + 1.0:
                        break
                    continue
                if frame.width > max_width:
                    frame = frame.reformat(width=max_width,
                                           height=int(round(frame.height * max_width
                                                            / frame.width / 2)) * 2)
                rgb = frame.to_ndarray(format="rgb24")
                for k in near:
                    best[k] = (abs(t - times_s[k]), rgb)
    except (OSError, av.error.FFmpegError, IndexError):
        return [None for _ in times_s]
    return [rgb for _, rgb in best]


def key_frames(bundle: ResultBundle, index: int) -> list[KeyFrame]:
    """Baseline and worst-moment frames of test ``index``, from the annotated video (or the
    input video when there is none)."""
    if ("key_frames", index) in bundle.cache:
        return bundle.cache[("key_frames", index)]
    times = key_frame_times(bundle, index)
    frames_at = bundle.frames_at
    if frames_at is None:
        video = bundle.file("annotated_video")
        if video is None:
            src = Path(str(bundle.doc.get("input") or ""))
            video = src if src.is_file() else None
        if video is not None:
            def frames_at(times_s: list[float]) -> list[np.ndarray | None]:
                return read_frames_at(video, times_s)
    if not times or frames_at is None:
        return []
    labels = {"baseline": "both legs (baseline)", "worst": "largest drop in the hold"}
    keys = [k for k in ("baseline", "worst") if k in times]
    frames = frames_at([times[k] for k in keys])
    result = [KeyFrame(f"{labels[k]}, {times[k]:.1f} s", times[k], rgb)
              for k, rgb in zip(keys, frames, strict=True) if rgb is not None]
    bundle.cache[("key_frames", index)] = result
    return result


def jpeg_of(rgb: np.ndarray, quality: int = 88) -> bytes:
    """A key frame for the HTML report (a photo: JPEG is smaller and faster than PNG)."""
    import cv2

    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"a key frame of shape {rgb.shape} could not be JPEG-encoded")
    return buf.tobytes()


# ---------------------------------------------------------------------------------------
# the report


def report_time(bundle: ResultBundle) -> dt.datetime:
    """When the video was analysed: ``analysed_at`` of result.json (local time of the
    analysis, with its offset), else the time result.json was written, else now."""
    when = bundle.doc.get("analysed_at")
    if isinstance(when, str) and when:
        try:
            return dt.datetime.fromisoformat(when)
        except ValueError:
            pass
    if bundle.out_dir is not None and (bundle.out_dir / "result.json").is_file():
        stamp = (bundle.out_dir / "result.json").stat().st_mtime
        return dt.datetime.fromtimestamp(stamp).astimezone()
    return dt.datetime.now().astimezone()


def when_text(bundle: ResultBundle, date: dt.date | dt.datetime | None = None) -> str:
    """The date and time of day of the report's header (a plain ``date``: the date only)."""
    if date is None:
        date = report_time(bundle)
    if isinstance(date, dt.datetime):
        return f"{date:%Y-%m-%d %H:%M}"
    return date.isoformat()


def clean_text(value: str | None) -> str:
    """Typed text for the report: surrounding blanks removed, line ends unified."""
    return "\n".join(line.rstrip() for line in str(value or "").strip().splitlines())


def _meta(bundle: ResultBundle) -> dict[str, str]:
    doc = bundle.doc
    model = doc.get("model") or {}
    versions = doc.get("versions") or {}
    negative_below, positive_from, lean_limit = bundle.thresholds()
    return {
        "model": (f"MediaPipe pose landmarker ({model.get('variant', '?')}), sha256 "
                  f"{str(model.get('sha256', ''))[:12]}..." if model else "n/a"),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()
                              if k in ("pelvic-screen", "mediapipe", "python")),
        "thresholds": (f"level below {negative_below:g} deg, positive from {positive_from:g} "
                       f"deg, trunk-lean compensation from {lean_limit:g} deg; estimator "
                       f"{doc.get('estimator', 'hip_line')}"),
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
        "margin:10px 0 3px}.meta{color:#555}.test{border-left:4px solid #999;padding:2px 8px;"
        "margin:6px 0}.frames{display:flex;gap:6px;flex-wrap:wrap}.frames figure{margin:0;"
        "width:23%}.frames img{width:100%}figcaption{font-size:9px;color:#555}"
        "img.chart{width:100%}footer{font-size:9px;color:#555;margin-top:6px}"
        ".notes{white-space:pre-wrap;border:1px solid #ccc;padding:3px 6px;margin:6px 0}"
        "@media print{.test,figure{break-inside:avoid}}",
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
        err = bundle.doc.get("error") or {}
        parts.append(f"<h2>No result</h2><p>{e(str(err.get('message', '')))} "
                     f"{e(str(err.get('hint', '')))}</p>")
    repeated = repeated_sides(bundle.doc)
    if repeated:
        parts.append("<h2>Per leg, all holds together</h2>")
        parts.extend(f"<div>{e(side_line(side))}</div>" for side in repeated)
    for test in bundle.tests:
        colour = CLASS_COLOURS.get(test["classification"], "#999")
        parts.append(f"<div class='test' style='border-color:{colour}'>"
                     f"<h2>{e(result_title(test))}</h2>")
        parts.extend(f"<div>{e(line)}</div>" for line in result_lines(test, bundle.thresholds()))
        weak = weak_side_text(test)
        if weak:
            parts.append(f"<div><b>{e(weak)}</b></div>")
        for reason in test.get("reasons") or []:
            parts.append(f"<div class='meta'>{e(reason)}</div>")
        parts.append("</div>")
    if with_images and bundle.ok and bundle.timeseries:
        chart = base64.b64encode(chart_png(bundle)).decode()
        parts.append(f"<img class='chart' alt='pelvic drop and trunk lean over time' "
                     f"src='data:image/png;base64,{chart}'>")
        figures = []
        for k in range(min(len(bundle.tests), 2)):
            for frame in key_frames(bundle, k):
                data = base64.b64encode(jpeg_of(frame.rgb)).decode()
                caption = f"{bundle.tests[k]['stance_side']} stance: {frame.label}"
                figures.append(f"<figure><img alt='{e(caption)}' src='data:image/jpeg;base64,"
                               f"{data}'><figcaption>{e(caption)}</figcaption></figure>")
        if figures:
            parts.append("<div class='frames'>" + "".join(figures) + "</div>")
    warnings = bundle.doc.get("warnings") or []
    parts.append("<footer>")
    for w in warnings:
        parts.append(f"<div>Note: {e(w)}</div>")
    parts.append(f"<div>{e(NOISE_NOTE)} {e(estimator_note(bundle.doc.get('estimator', '')))}"
                 "</div>")
    parts.append(f"<div>Model: {e(meta['model'])}. Versions: {e(meta['versions'])}. "
                 f"Thresholds: {e(meta['thresholds'])}.</div>")
    parts.append(f"<div><b>{e(DISCLAIMER)}</b></div></footer></body></html>")
    return "\n".join(parts)


def render_pdf(bundle: ResultBundle, *, subject_label: str = "",
               date: dt.date | dt.datetime | None = None, operator: str | None = None,
               notes: str | None = None) -> bytes:
    """The same page as a one-page A4 PDF, drawn with matplotlib's PDF backend (long notes
    are cut to a few lines there; report.html has them whole)."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    operator, notes = clean_text(operator), clean_text(notes)
    meta = _meta(bundle)
    fig = Figure(figsize=(8.27, 11.69))
    FigureCanvasPdf(fig)
    y = 0.965

    def text(s: str, *, size: float = 8.5, bold: bool = False, colour: str = "#222222",
             width: int = 104, gap: float = 0.0) -> None:
        nonlocal y
        for line in textwrap.wrap(s, width) or [""]:
            fig.text(0.06, y, line, fontsize=size, weight="bold" if bold else "normal",
                     color=colour, va="top")
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
        err = bundle.doc.get("error") or {}
        text(f"No result: {err.get('message', '')} {err.get('hint', '')}", gap=0.006)
    for side in repeated_sides(bundle.doc):
        text(side_line(side), bold=True, gap=0.004)
    for test in bundle.tests[:4]:
        colour = CLASS_COLOURS.get(test["classification"], "#333333")
        text(result_title(test), size=10, bold=True, colour=colour)
        for line in result_lines(test, bundle.thresholds()):
            text(line, width=108)
        weak = weak_side_text(test)
        if weak:
            text(weak, bold=True, width=96)
        y -= 0.006
    if bundle.ok and bundle.timeseries:
        chart_h = 0.25
        y_chart = max(y - chart_h, 0.30)
        ax_png = fig.add_axes((0.05, y_chart, 0.9, chart_h))
        import matplotlib.image

        ax_png.imshow(matplotlib.image.imread(io.BytesIO(chart_png(bundle))))
        ax_png.axis("off")
        y = y_chart - 0.01
        frames = []
        for k in range(min(len(bundle.tests), 2)):
            frames += [(bundle.tests[k]["stance_side"], f) for f in key_frames(bundle, k)]
        if frames:
            n = len(frames)
            w = 0.88 / max(n, 4)
            h = min(y - 0.12, 0.2)
            for i, (stance, frame) in enumerate(frames):
                ax = fig.add_axes((0.06 + i * (w + 0.005), y - h, w, h))
                ax.imshow(frame.rgb)
                ax.set_title(f"{stance} stance:\n{frame.label}", fontsize=6)
                ax.axis("off")
            y = y - h - 0.02
    y = min(y, 0.11)
    for w in bundle.doc.get("warnings") or []:
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
    bundle = bundle or load_bundle(out_dir)
    paths = {"report_html": out_dir / REPORT_HTML, "report_pdf": out_dir / REPORT_PDF}
    fields = {"subject_label": subject_label, "date": date, "operator": operator,
              "notes": notes}
    write_bytes_atomic(paths["report_html"], render_html(bundle, **fields).encode())
    write_bytes_atomic(paths["report_pdf"], render_pdf(bundle, **fields))
    return paths

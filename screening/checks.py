"""Whether a recording and a hold can be measured: the whole-recording checks
(:func:`check_recording`: too short, too dark, no person or two, cut off, side view, too
small; each a RecordingError that says what to change) and why one hold cannot be trusted
(:func:`hold_problems`). Numbers from the landmarks alone; no model, no I/O.
"""

from __future__ import annotations

import numpy as np

from .config import PhasesConfig, RecordingConfig
from .errors import RecordingError
from .geometry import camera_view, frontal_ratio, hip_width_px
from .jsondoc import rounded
from .landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    LandmarkSeries,
)
from .metrics import HoldMetrics
from .phases import Hold
from .results import Problem

# the landmarks a hold needs in the picture (and that count as filled in, in the series)
KEY_POINTS = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP, LEFT_KNEE, RIGHT_KNEE,
              LEFT_ANKLE, RIGHT_ANKLE)


def check_recording(series: LandmarkSeries, checks: RecordingConfig, *, min_visibility: float,
                    mirrored: bool) -> dict:
    """Whole-recording checks. Returns quality numbers; raises RecordingError when the
    recording cannot be measured at all, with what to change. ``min_visibility``: below it
    a landmark does not count as in the picture; ``mirrored``: labels already swapped for
    a selfie-view recording (for the camera view)."""
    n = len(series)
    duration = float(series.t_s[-1] - series.t_s[0]) if n > 1 else 0.0
    found = series.detected()
    found_fraction = float(found.mean()) if n else 0.0
    luma = float(np.nanmean(series.luma_mean)) if n else float("nan")
    second = float((series.n_people >= 2).mean()) if n else 0.0
    quality = {"n_frames": n, "duration_s": round(duration, 3),
               "fps_measured": rounded(series.fps),
               "person_found_fraction": round(found_fraction, 3),
               "second_person_fraction": round(second, 3), "mean_brightness": rounded(luma, 1)}
    if duration < checks.min_duration_s:
        raise RecordingError(f"The video is too short ({duration:.1f} s).",
                             "Record the whole test: 2-3 s on both legs, then lift one foot "
                             "and hold (30 s is standard).", code="too_short")
    if found_fraction < checks.min_person_fraction:
        if np.isfinite(luma) and luma < checks.dark_luma:
            raise RecordingError(
                f"The video is too dark to find the person (mean brightness {luma:.0f}/255).",
                "Turn on the light or face a window; avoid a bright window behind you.",
                code="too_dark")
        raise RecordingError(
            f"No person was found in {100 * (1 - found_fraction):.0f}% of the video.",
            "Stand 2-4 m from the camera, whole body in view, facing it.", code="no_person")
    if second > checks.max_second_person_fraction:
        raise RecordingError(
            f"Two or more people are in view in {100 * second:.0f}% of the video.",
            "Only the person being tested should be in view; ask others to step out.",
            code="two_people")
    sub = series.xy_px[found]
    vis = series.visibility[found]
    h, w = series.height_px, series.width_px
    inside = ((sub[..., 0] >= 0) & (sub[..., 0] <= w) & (sub[..., 1] >= 0) & (sub[..., 1] <= h)
              & (vis >= min_visibility))
    feet_in = float(inside[:, [LEFT_ANKLE, RIGHT_ANKLE]].all(axis=1).mean())
    trunk_in = float(inside[:, [LEFT_HIP, RIGHT_HIP, LEFT_SHOULDER, RIGHT_SHOULDER]]
                     .all(axis=1).mean())
    quality.update({"feet_in_frame_fraction": round(feet_in, 3),
                    "trunk_in_frame_fraction": round(trunk_in, 3)})
    if trunk_in < 0.5:
        raise RecordingError("The hips and shoulders are out of the picture for most of the "
                             "video.", "Step back or tilt the camera so your whole body is "
                             "visible, head to feet.", code="cut_off")
    if feet_in < 0.5:
        raise RecordingError("The feet are not visible for most of the video.",
                             "Step back until your feet are visible, or tilt the camera down.",
                             code="cut_off")
    ratio = frontal_ratio(series.xy_px)
    hip_width = float(np.nanmedian(hip_width_px(sub)))
    quality.update({"frontal_ratio": rounded(ratio, 3), "hip_width_px": rounded(hip_width, 1),
                    "view": camera_view(series.xy_px, mirrored=mirrored)})
    if np.isfinite(ratio) and ratio < checks.min_frontal_ratio:
        raise RecordingError("The person is seen from the side, not from the front.",
                             "Face the camera (or turn your back to it) so both hips are "
                             "visible side by side.", code="side_view")
    if not np.isfinite(hip_width) or hip_width < checks.min_hip_width_px:
        raise RecordingError(f"The person is too small in the picture (hips {hip_width:.0f} px "
                             "apart).", "Move closer so your body fills most of the frame "
                             "height (head to feet), or record at a higher resolution.",
                             code="too_small")
    return quality


def hold_problems(series: LandmarkSeries, hold: Hold, metrics: HoldMetrics, *,
                  phases: PhasesConfig, max_markerless_rise_deg: float,
                  evidence: str = "markerless") -> list[Problem]:
    """Why a hold cannot be trusted: too short for ``phases.min_hold_s``, no baseline,
    hips not tracked, body cut off, or (markerless only) a rise beyond
    ``max_markerless_rise_deg``."""
    t = series.t_s
    problems = []
    duration = float(t[hold.hold_end - 1] - t[hold.hold_start])
    if duration < phases.min_hold_s:
        problems.append(Problem("hold_too_short", f"The hold lasted only {duration:.1f} s.",
                                f"Hold the foot up for at least {phases.min_hold_s:g} s "
                                f"({phases.standard_hold_s:g} s is standard)."))
    if hold.baseline is None:
        problems.append(Problem("no_baseline", "There is no moment on both legs before or after "
                                "this hold to compare with.", "Stand still on both legs for 2-3 s "
                                "before lifting the foot."))
    if metrics.valid_fraction < 0.7:
        problems.append(Problem("hips_not_tracked", "The hips were not tracked during most of "
                                "the hold.", "Wear clothes that show the hips and keep the whole "
                                "body in view."))
    sl = slice(hold.hold_start, hold.hold_end)
    xy = series.xy_px[sl][:, KEY_POINTS]
    outside = ((xy[..., 0] < 0) | (xy[..., 0] > series.width_px) | (xy[..., 1] < 0)
               | (xy[..., 1] > series.height_px)).any(axis=1)
    if outside.mean() > 0.2:
        problems.append(Problem("cut_off", "Part of the body left the picture during the hold.",
                                "Step back until your whole body, feet included, is visible."))
    rise = -metrics.drop_median_deg
    if evidence == "markerless" and np.isfinite(rise) and rise > max_markerless_rise_deg:
        # the landmark estimate reads a foot lifted higher as the pelvis rising; a hip hike
        # (the normal response) is a few degrees, not this much
        problems.append(Problem(
            "foot_rose", f"The lifted foot rose during the hold, as if the pelvis rose "
            f"{rise:.0f} deg on that side; a hip hike is rarely more than a few degrees, so "
            "the foot was probably lifted higher, which the camera cannot tell from the pelvis.",
            "Keep the lifted foot at one height through the hold (hold the knee at the same "
            "level), or wear the printed pelvis markers."))
    return problems

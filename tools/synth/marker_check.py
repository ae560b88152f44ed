"""Detect the ArUco pelvis markers in rendered clips and compare them with the truth.

    python -m tools.synth.marker_check CLIP.json [CLIP2.json ...]

Decodes the MP4 (so the H.264 encode is part of the test) and runs cv2.aruco.ArucoDetector
(DICT_4X4_50, default parameters) on every frame.  A marker counts as detected in a frame when its
id is found and the mean distance of its four corners to the truth corners (`markers_px`) is under
3 px.  The rate is over the frames where the truth says the marker is fully visible.  Prints one
line per clip and a total.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def detect_clip(doc: dict, video: Path, max_err_px: float = 3.0) -> dict:
    import av
    import cv2

    det = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50),
        cv2.aruco.DetectorParameters(),
    )
    truth = doc["markers_px"]
    n_vis = {"0": 0, "1": 0}
    n_hit = {"0": 0, "1": 0}
    errs = []
    wrong = 0  # detections of an id where the truth says hidden, or far from the truth
    both_vis = both_hit = 0
    with av.open(str(video)) as c:
        for i, frame in enumerate(c.decode(c.streams.video[0])):
            grey = frame.to_ndarray(format="gray")
            corners, ids, _ = det.detectMarkers(grey)
            found = {}
            if ids is not None:
                for cs, mid in zip(corners, ids.ravel(), strict=True):
                    found.setdefault(str(int(mid)), []).append(cs.reshape(4, 2))
            hits = {}
            for m in ("0", "1"):
                t = truth[m][i]
                if t is None:
                    wrong += len(found.get(m, []))
                    continue
                n_vis[m] += 1
                t = np.asarray(t)
                best = min(
                    (float(np.linalg.norm(f + 0.5 - t, axis=1).mean()) for f in found.get(m, [])),
                    default=np.inf,
                )
                hits[m] = best < max_err_px
                if hits[m]:
                    n_hit[m] += 1
                    errs.append(best)
                elif np.isfinite(best):
                    wrong += 1
            if len(hits) == 2:
                both_vis += 1
                both_hit += all(hits.values())
    tot_v = sum(n_vis.values())
    tot_h = sum(n_hit.values())
    return dict(
        visible_marker_frames=tot_v,
        detected=tot_h,
        rate=round(tot_h / tot_v, 4) if tot_v else None,
        rate_id0=round(n_hit["0"] / n_vis["0"], 4) if n_vis["0"] else None,
        rate_id1=round(n_hit["1"] / n_vis["1"], 4) if n_vis["1"] else None,
        both_visible_frames=both_vis,
        both_detected_rate=round(both_hit / both_vis, 4) if both_vis else None,
        corner_err_px_mean=round(float(np.mean(errs)), 3) if errs else None,
        corner_err_px_p95=round(float(np.percentile(errs, 95)), 3) if errs else None,
        wrong_or_far=wrong,
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tools.synth.marker_check",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("json", nargs="+")
    args = ap.parse_args(argv)
    tv = th = bv = bh = 0
    for path in args.json:
        path = Path(path)
        doc = json.loads(path.read_text())
        if "markers_px" not in doc:
            print(path.name, "no markers")
            continue
        r = detect_clip(doc, path.with_suffix(".mp4"))
        tv += r["visible_marker_frames"]
        th += r["detected"]
        bv += r["both_visible_frames"]
        bh += round((r["both_detected_rate"] or 0) * r["both_visible_frames"])
        print(path.name, doc["width"], "x", doc["height"], json.dumps(r))
    if tv:
        print(f"TOTAL marker-frames {tv}, detected {th} ({th / tv:.4f}); frames with both "
              f"visible {bv}, both detected {bh} ({bh / max(bv, 1):.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

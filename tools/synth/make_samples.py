"""Re-make the sample clips of sample_videos/ (the exact commands used for them).

python -m tools.synth.make_samples [--out sample_videos] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.synth import generate  # noqa: E402

# a clearly lifted foot (hip 40 deg, knee 80 deg) and a whole body filling ~70 % of the frame
COMMON = (
    "--width 540 --height 960 --crf 22 --preset slow --set-name sample "
    "--fill 0.68 --cam-distance 3.2 --hip-flex 40 --knee-flex 80"
)

SAMPLES = {
    "negative_left_stance": (
        "--seed 101 --stance left --drop 0 --trunk follows --body male_avg "
        "--cam-height 1.0 --cam-roll 0.5 --cam-yaw 2 --background plain"
    ),
    "positive_left_stance": (
        "--seed 102 --stance left --drop 8 --trunk follows --body female_avg "
        "--cam-height 1.05 --cam-roll -0.8 --cam-yaw -3 --background gradient"
    ),
    "positive_right_stance": (
        "--seed 103 --stance right --drop 8 --trunk follows --body male_muscular "
        "--cam-height 0.95 --cam-roll 1.0 --cam-yaw 3 --background panels"
    ),
    "compensated_right_stance": (
        "--seed 104 --stance right --drop 6 --trunk lean --lean 8 --body female_tall_slim "
        "--cam-height 1.0 --cam-roll -0.5 --cam-yaw -2 --background plain"
    ),
    "both_sides": (
        "--seed 105 --both-sides --both-first-stance right --both-drops 8 0 --trunk follows "
        "--body male_heavy --cam-height 1.0 --cam-roll 0.3 --cam-yaw 1 --background gradient"
    ),
    # printed pelvis markers on the ASIS; the drop comes with the lift (the classic sign) and
    # the trunk stays upright: the markers read it, the landmarks alone do not. Larger and
    # less compressed, so that the 5 cm markers have enough pixels.
    "markers_drop_at_foot_off": (
        "--seed 106 --stance right --drop 6 --trunk upright --drop-onset lift --body female_avg "
        "--markers asis --cam-height 1.0 --cam-roll 0.6 --cam-yaw -2 --background plain "
        "--width 720 --height 1280 --crf 18"
    ),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.synth.make_samples")
    ap.add_argument("--out", default="sample_videos")
    ap.add_argument("--only", nargs="*", choices=sorted(SAMPLES))
    args = ap.parse_args(argv)
    for name, extra in SAMPLES.items():
        if args.only and name not in args.only:
            continue
        generate.main(
            ["--out", args.out, "--name", name, *shlex.split(COMMON), *shlex.split(extra)]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

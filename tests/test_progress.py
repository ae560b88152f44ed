"""Progress is injected: the parts of a job report over their own 0..1."""

from __future__ import annotations

import io

import pytest

from screening.progress import noop, printer, sub_range


def test_a_sub_range_maps_its_part_into_the_whole():
    seen = []

    def whole(fraction, message):
        seen.append((round(fraction, 6), message))

    pose = sub_range(whole, 0.0, 0.85)
    pose(0.0, "pose 0/10 s")
    pose(0.5, "pose 5/10 s")
    pose(1.2, "pose 12/10 s")          # a step that overshoots stays inside its part
    second_half = sub_range(sub_range(whole, 0.5, 1.0), 0.5, 1.0)  # parts nest
    second_half(0.5, "nested")
    assert seen == [(0.0, "pose 0/10 s"), (0.425, "pose 5/10 s"), (0.85, "pose 12/10 s"),
                    (0.875, "nested")]


def test_a_sub_range_must_lie_inside_the_whole():
    for start, end in ((-0.1, 0.5), (0.6, 0.5), (0.5, 1.5)):
        with pytest.raises(ValueError, match="start <= end"):
            sub_range(noop(), start, end)


def test_noop_and_printer():
    assert noop()(0.3, "anything") is None
    out = io.StringIO()
    show = printer(out, prefix="speed: ")
    show(0.0, "start")
    show(0.425, "pose")
    assert out.getvalue() == "speed:   0% start\nspeed:  42% pose\n"

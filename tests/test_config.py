"""The settings: sections, validation, the TOML file, the generated flags and their
precedence (defaults < file < flags), and the settings recorded in result.json."""

import argparse
import dataclasses

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from screening.cli import SETTING_DEST, apply_settings, build_parser, main, setting_sources
from screening.config import (
    ANALYSIS_SECTIONS,
    SECTIONS,
    Config,
    DecisionConfig,
    SignalConfig,
    VideoConfig,
    read_config_file,
    recorded_config,
    recorded_value,
    settings,
    to_toml,
)


def _flat(config: Config) -> dict:
    """The flat ``config`` of result.json written by earlier versions."""
    return {k: v for section in config.to_dict().values() for k, v in section.items()}


def _other_value(info):
    """A valid value of a setting that is not its default."""
    if info.type is bool:
        return not info.default
    if info.choices:
        return next(c for c in info.choices if c != info.default)
    bound = info.low if info.default > info.low else info.high
    return info.type((info.default + bound) / 2)


def _subparser(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


# --- the sections -------------------------------------------------------------------------

def test_every_setting_has_a_unit_a_help_text_and_a_unique_name():
    infos = settings()
    assert len({i.name for i in infos}) == len(infos)
    assert {i.section for i in infos} == set(SECTIONS)
    for info in infos:
        assert info.help, info.key
        assert info.type in (float, int, bool, str)
        assert isinstance(info.default, info.type), info.key
        if info.type in (float, int):
            assert info.unit and info.low is not None and info.high is not None, info.key
            assert info.low <= info.default <= info.high, info.key


def test_the_defaults_are_valid_and_immutable():
    config = Config()
    assert config.video.pose_interval_s == pytest.approx(1 / 15)
    assert config.outputs.annotated_interval_s == pytest.approx(1 / 15)
    assert Config().with_changes(max_pose_fps=0).video.pose_interval_s == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.decision.positive_from_deg = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.decision = DecisionConfig()


def test_a_value_out_of_range_names_the_setting_its_unit_and_the_range():
    with pytest.raises(ValueError) as exc:
        DecisionConfig(positive_from_deg=50.0)
    assert "decision.positive_from_deg" in str(exc.value)
    assert "from 0 to 45 deg" in str(exc.value) and "got 50" in str(exc.value)
    with pytest.raises(ValueError, match=r"signal.lowpass_cutoff_hz.*from 0.1 to 30 Hz"):
        SignalConfig(lowpass_cutoff_hz=0.0)
    with pytest.raises(ValueError, match=r"a fraction from 0 to 1"):
        Config().with_changes(min_visibility=1.5)
    with pytest.raises(TypeError, match=r"video.max_long_side_px.*whole number"):
        VideoConfig(max_long_side_px=960.5)
    with pytest.raises(TypeError, match=r"video.mirrored.*true or false"):
        VideoConfig(mirrored=1)
    with pytest.raises(ValueError, match=r"measurement.estimator.*one of hip_line, leg"):
        Config().with_changes(estimator="nope")
    with pytest.raises(ValueError, match=r"negative_below_deg \(5 deg\) must not be more"):
        Config().with_changes(negative_below_deg=5.0)
    with pytest.raises(TypeError, match=r"did you mean positive_from_deg\?"):
        Config().with_changes(positive_from=5.0)


def test_a_whole_number_for_a_decimal_setting_is_stored_as_a_decimal():
    config = Config().with_changes(positive_from_deg=5)
    assert isinstance(config.decision.positive_from_deg, float)
    assert config == Config().with_changes(positive_from_deg=5.0)


# --- the TOML file ------------------------------------------------------------------------

def test_printed_defaults_load_back_equal(tmp_path, capsys):
    assert main(["config", "--print"]) == 0
    text = capsys.readouterr().out
    assert text == to_toml()
    path = tmp_path / "settings.toml"
    path.write_text(text)
    assert Config().updated(read_config_file(path), where=str(path)) == Config()
    # every setting is in the file, in its section's table, with its unit and range
    tables = tomllib.loads(text)
    assert set(tables) == set(SECTIONS)
    comments = " ".join(line[2:] for line in text.splitlines() if line.startswith("# "))
    for info in settings():
        assert tables[info.section][info.name] == info.default
        assert f"{info.help} ({info.accepted()})" in comments, info.key


def test_a_changed_config_round_trips_through_the_file(tmp_path):
    changed = Config().with_changes(positive_from_deg=5.5, estimator="hip_line",
                                    mirrored=True, max_long_side_px=1280, max_pose_fps=0.0)
    path = tmp_path / "changed.toml"
    path.write_text(to_toml(changed))
    assert Config().updated(read_config_file(path), where=str(path)) == changed
    assert "default 4.0" in path.read_text()  # a changed value still shows the default


def test_config_out_writes_a_file_and_never_replaces_one(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    assert main(["config", "--out", str(path), "--estimator", "hip_line"]) == 0
    assert tomllib.loads(path.read_text())["measurement"]["estimator"] == "hip_line"
    assert main(["config", "--out", str(path)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert "hip_line" in path.read_text()


@pytest.mark.parametrize("text, expected", [
    ("[decision]\npositive_from = 5.0\n",
     ["decision.positive_from is not a setting", "did you mean decision.positive_from_deg"]),
    ("[decision]\npositive_from_deg = \"5\"\n",
     ["decision.positive_from_deg", "must be a number", "from 0 to 45 deg", "got '5'"]),
    ("[decision]\npositive_from_deg = 60\n",
     ["decision.positive_from_deg", "from 0 to 45 deg", "got 60"]),
    ("[decision]\nnegative_below_deg = 5.0\n",
     ["decision.negative_below_deg (5 deg) must not be more than decision.positive_from_deg"]),
    ("[video]\nmirrored = \"yes\"\n", ["video.mirrored", "true or false"]),
    ("[video]\nmax_long_side_px = 960.5\n", ["video.max_long_side_px", "whole number"]),
    ("[measurement]\nestimator = \"best\"\n", ["one of hip_line, leg", "got 'best'"]),
    ("[decison]\npositive_from_deg = 5.0\n",
     ["[decison] is not a table of settings", "did you mean decision"]),
    ("positive_from_deg = 5.0\n", ["positive_from_deg must be inside the [decision] table"]),
    ("[signal]\nmax_pose_fps = 10.0\n", ["signal.max_pose_fps belongs to the [video] table"]),
    ("decision = 5\n", ["decision must be a table"]),
    ("[decision\npositive_from_deg = 5.0\n", ["is not valid TOML", "line 1"]),
])
def test_a_bad_file_says_which_key_of_which_file_and_what_is_accepted(tmp_path, capsys, text,
                                                                      expected):
    path = tmp_path / "bad settings.toml"
    path.write_text(text)
    assert main(["config", "--print", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(path) in err, err
    for part in expected:
        assert part in err, err
    assert "Hint:" in err and "Traceback" not in err
    # analyze refuses it the same way, before looking at any video
    assert main(["analyze", str(tmp_path / "no video.mp4"), "--config", str(path)]) == 2
    assert str(path) in capsys.readouterr().err


def test_a_missing_or_unreadable_file_is_named(tmp_path, capsys):
    assert main(["config", "--print", "--config", str(tmp_path / "none.toml")]) == 2
    err = capsys.readouterr().err
    assert "none.toml does not exist" in err and "config --print" in err
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00")
    assert main(["config", "--print", "--config", str(tmp_path / "binary.toml")]) == 2
    assert "binary.toml is not valid TOML" in capsys.readouterr().err


# --- flags and precedence -----------------------------------------------------------------

def test_generated_flags_cover_every_setting():
    analyze = _subparser("analyze")
    options = {s for action in analyze._actions for s in action.option_strings}
    help_text = " ".join(analyze.format_help().split())
    for info in settings():
        assert info.flag in options, info.key
        assert all(alias in options for alias in info.aliases)
        assert info.accepted() in help_text, info.key
        # each flag changes its own setting, and only that one
        value = _other_value(info)
        if info.type is bool:
            argv = [info.flag if value else "--no-" + info.flag[2:]]
        else:
            argv = [info.flag, str(value)]
        args = analyze.parse_args(["clip.mp4", *argv])
        config = apply_settings(Config(), setting_sources(args))
        assert getattr(getattr(config, info.section), info.name) == value, info.key
        assert config == Config().with_changes(**{info.name: value})


def test_flags_not_given_leave_no_value():
    args = _subparser("analyze").parse_args(["clip.mp4"])
    assert not [d for d in vars(args) if d.startswith(SETTING_DEST)]
    assert apply_settings(Config(), setting_sources(args)) == Config()


def test_the_flags_of_earlier_versions_still_work():
    args = _subparser("analyze").parse_args(
        ["clip.mp4", "--positive-from", "5", "--negative-below", "1", "--max-duration", "60",
         "--mirrored", "--estimator", "hip_line"])
    assert apply_settings(Config(), setting_sources(args)) == Config().with_changes(
        positive_from_deg=5.0, negative_below_deg=1.0, max_duration_s=60.0, mirrored=True,
        estimator="hip_line")


def test_reanalyse_offers_only_the_settings_it_can_change():
    options = {s for action in _subparser("reanalyse")._actions for s in action.option_strings}
    for info in settings():
        assert (info.flag in options) == (info.section in ANALYSIS_SECTIONS), info.key


def test_defaults_then_file_then_flags(tmp_path, capsys):
    path = tmp_path / "clinic.toml"
    path.write_text("[decision]\npositive_from_deg = 5.0\nnegative_below_deg = 3.0\n"
                    "[video]\nmirrored = true\n")
    assert main(["config", "--print", "--config", str(path), "--positive-from-deg", "6",
                 "--no-mirrored"]) == 0
    tables = tomllib.loads(capsys.readouterr().out)
    assert tables["decision"]["positive_from_deg"] == 6.0      # the flag wins over the file
    assert tables["decision"]["negative_below_deg"] == 3.0     # the file wins over the default
    assert tables["decision"]["compensation_lean_deg"] == 5.0  # neither: the default
    assert tables["video"]["mirrored"] is False
    # a flag that clashes with the file is refused with both values named
    assert main(["config", "--print", "--config", str(path), "--positive-from-deg", "2"]) == 2
    err = capsys.readouterr().err
    assert "the command line" in err and "(3 deg)" in err and "(2 deg)" in err


def test_a_bad_flag_value_is_a_usage_error(capsys):
    assert main(["config", "--print", "--lowpass-cutoff-hz", "0"]) == 2
    err = capsys.readouterr().err
    assert "signal.lowpass_cutoff_hz" in err and "from 0.1 to 30 Hz" in err
    with pytest.raises(SystemExit) as exc:
        main(["config", "--print", "--max-long-side-px", "big"])
    assert exc.value.code == 2


# --- the settings in result.json ----------------------------------------------------------

def test_recorded_settings_are_read_in_both_forms():
    changed = Config().with_changes(positive_from_deg=5.0, estimator="hip_line")
    assert recorded_config(changed.to_dict()) == changed
    assert recorded_config(_flat(changed)) == changed          # written by earlier versions
    partial = {"negative_below_deg": 1.0, "positive_from_deg": 3.0}
    assert recorded_config(partial) is None                    # not every setting: unknown
    assert recorded_config(partial, complete=False) == Config().with_changes(
        negative_below_deg=1.0, positive_from_deg=3.0)
    assert recorded_config({**_flat(changed), "retired_setting": 1}) is None
    assert recorded_config(None) is None and recorded_config("x") is None
    assert recorded_value(changed.to_dict(), "positive_from_deg") == 5.0
    assert recorded_value(_flat(changed), "positive_from_deg") == 5.0
    assert recorded_value({}, "compensation_lean_deg") == 5.0
    assert recorded_value(None, "negative_below_deg") == 2.0


# The flat "config" the previous version wrote into result.json with its defaults.
EARLIER_DEFAULTS = {
    "negative_below_deg": 2.0, "positive_from_deg": 4.0, "compensation_lean_deg": 5.0,
    "min_hold_s": 1.5, "standard_hold_s": 30.0, "min_baseline_s": 0.3,
    "lift_threshold_leg": 0.06, "hold_plateau_fraction": 0.75,
    "time_to_drop_hysteresis_deg": 1.0, "steady_trim_s": 0.3, "lowpass_cutoff_hz": 5.0,
    "max_gap_fill_s": 0.25, "min_visibility": 0.5, "min_duration_s": 1.5,
    "max_duration_s": 900.0, "min_person_fraction": 0.5, "max_second_person_fraction": 0.2,
    "min_hip_width_px": 20.0, "min_frontal_ratio": 0.22, "dark_luma": 40.0,
    "max_long_side_px": 960, "max_pose_fps": 15.0, "annotated_long_side_px": 720,
    "annotated_max_fps": 15.0, "estimator": "leg", "max_markerless_rise_deg": 5.0,
    "mirrored": False}


def test_results_of_the_previous_version_read_as_the_same_defaults():
    assert recorded_config(EARLIER_DEFAULTS, complete=False) == Config()
    # made before video.steady_pose_fps (every frame under the cap posed): not the same
    # measurement, so the batch analyses such inputs again
    assert recorded_config(EARLIER_DEFAULTS) is None
    # made before the lift was measured against the other ankle: not the same holds
    assert recorded_config({**EARLIER_DEFAULTS, "steady_pose_fps": 5.0}) is None
    assert recorded_config({**EARLIER_DEFAULTS, "steady_pose_fps": 5.0,
                            "max_two_leg_offset_leg": 0.15, "min_own_rise_fraction": 0.5,
                            "max_stance_motion_leg": 0.03}) == Config()


def test_the_settings_document_lists_every_setting_with_its_default():
    from conftest import ROOT

    text = (ROOT / "docs" / "CONFIG.md").read_text()
    for info in settings():
        default = (str(info.default).lower() if info.type is bool
                   else f'"{info.default}"' if info.type is str else repr(info.default))
        row = f"| `{info.name}` ("
        assert row in text, info.key
        line = text[text.index(row):].split("\n", 1)[0]
        assert f"`{default}`" in line and info.accepted() in line and info.help in line
    for section in SECTIONS:
        assert f"### [{section}]" in text

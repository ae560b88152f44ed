"""The command line starts without the heavy libraries and says what to install."""

import subprocess
import sys

import pytest

from screening import batch, cli, cluster, config
from screening.estimators import ESTIMATORS


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)


def test_help_imports_none_of_the_heavy_libraries():
    proc = _python(
        "import sys\n"
        "from screening.cli import main\n"
        "try:\n"
        "    main(['analyze', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'numpy', 'scipy', 'av', 'cv2', 'mediapipe', 'streamlit', 'dask',\n"
        "         'distributed'}\n"
        "print('LOADED', sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n")
    assert proc.returncode == 0, proc.stderr
    assert "LOADED []" in proc.stdout
    assert "--cluster ADDRESS" in proc.stdout


def test_the_cli_constants_agree_with_the_library():
    assert set(config.ESTIMATOR_NAMES) == set(ESTIMATORS)
    assert cli.SUMMARY_CSV == batch.SUMMARY_CSV
    assert cli.CLUSTER_ENV == cluster.CLUSTER_ENV


def test_an_unknown_estimator_is_a_usage_error(tmp_path, capsys):
    clip = tmp_path / "x.mp4"
    clip.write_text("x")
    try:
        cli.main(["analyze", str(clip), "--estimator", "nope"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "choose from" in capsys.readouterr().err


def test_analyse_is_the_same_command_as_analyze(tmp_path, capsys):
    clip = tmp_path / "x.mp4"
    clip.write_text("x")
    args = cli.build_parser().parse_args(["analyse", str(clip), "--jobs", "2"])
    assert args.jobs == 2 and args.inputs == [str(clip)]
    with pytest.raises(SystemExit) as exc:       # analyze's own checks: a usage error
        cli.main(["analyse", str(clip), "--estimator", "nope"])
    assert exc.value.code == 2 and "choose from" in capsys.readouterr().err
    assert "analyze (analyse)" in cli.build_parser().format_help()


def test_cluster_without_the_extra_says_how_to_install_it(tmp_path):
    clip = tmp_path / "x.mp4"
    clip.write_text("x")
    proc = _python(
        "import sys\n"
        "sys.modules['distributed'] = None  # as if the extra were not installed\n"
        "from screening.cli import main\n"
        f"sys.exit(main(['analyze', {str(clip)!r}, '--cluster', 'local:1',\n"
        f"               '--out', {str(tmp_path / 'out')!r}]))\n")
    assert proc.returncode == 2
    assert "pip install 'pelvic-screen[cluster]'" in proc.stderr
    assert "Traceback" not in proc.stderr

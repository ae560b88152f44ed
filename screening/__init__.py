"""pelvic-screen: camera-based screening for pelvic drop in single-leg stance.

The one library call is :func:`analyze_video`; see README.md and docs/.
"""

from .config import Config
from .errors import InputError, ModelError, RecordingError, ScreeningError
from .pipeline import AnalysisResult, analyze_video

__all__ = ["AnalysisResult", "Config", "InputError", "ModelError", "RecordingError",
           "ScreeningError", "analyze_video"]
__version__ = "0.1.0"

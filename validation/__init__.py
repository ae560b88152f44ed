"""Validation of the pelvic-drop measurement against labelled (rendered) clips.

Run ``python -m validation.run --help``. Landmarks are cached outside the repository so
that re-scoring a set with another estimator does not run the pose model again.
"""

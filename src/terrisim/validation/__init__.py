"""Calibration targets and pattern-oriented validation (``terrisim validate``)."""

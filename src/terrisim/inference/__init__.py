"""Inference on the model: ABC-SMC calibration (pyabc), posterior files, the research answer."""

"""Imported once by the local pool's forkserver: every forked worker starts with the model
imported (Mesa takes ≈1 s to import) and its code fingerprinted as loaded.

Ctrl-C is ignored from the first line: the forkserver shares the terminal's process group, and
the driver alone decides what an interrupt means (save, then stop the workers).
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

from .worker import warm  # noqa: E402

warm()

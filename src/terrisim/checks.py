"""Checks of command-line values made *before* any computing starts.

A sweep or a long run must not spend hours and then fail on something knowable at the start:
an output path under a file, a read-only directory, a seed NumPy cannot hold, a malformed
scheduler address.  Each check raises :class:`~terrisim.errors.UserError` with one line naming
the option and what is allowed, and returns the cleaned value.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from .errors import UserError

#: Seeds are stored as 64-bit signed integers (Parquet, NumPy): 0 … 2⁶³ − 1.
MAX_SEED = 2**63 - 1
#: Schemes Dask distributed connects with.
DASK_SCHEMES: tuple[str, ...] = ("tcp", "tls", "ws", "wss", "ucx")
#: Longest wait accepted for a scheduler (a day: beyond that it is a typo).
MAX_TIMEOUT = 86_400.0


def check_seed(value: int, option: str = "--seed") -> int:
    """A seed any run accepts: an integer from 0 to 2⁶³ − 1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise UserError(f"{option} must be an integer from 0 to {MAX_SEED} (got {value!r})")
    return value


def check_positive_int(value: int | None, option: str, lo: int = 1,
                       hi: int = 1_000_000) -> int | None:
    """An optional integer option within ``[lo, hi]``."""
    if value is not None and not lo <= value <= hi:
        raise UserError(f"{option} must be an integer from {lo} to {hi:,} (got {value})")
    return value


def check_timeout(value: float, option: str = "--connect-timeout") -> float:
    """A finite, positive number of seconds (NaN, infinite or negative waits are typos)."""
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise UserError(f"{option} must be a number of seconds above 0 and at most "
                        f"{MAX_TIMEOUT:.0f} (got {value})")
    return value


def check_scheduler_address(address: str, option: str = "--scheduler") -> str:
    """A Dask scheduler address ``[scheme://]host:port``, checked for form (not reachability:
    connecting is the executor's job, with its timeout)."""
    text = address.strip()
    if not text:
        raise UserError(f"{option} needs an address such as tcp://HOST:8786")
    full = text if "://" in text else f"tcp://{text}"
    allowed = ", ".join(f"{s}://" for s in DASK_SCHEMES)
    try:
        parts = urlsplit(full)
        port = parts.port
    except ValueError as exc:
        raise UserError(f"{option} {address!r} is not a scheduler address ({exc}); expected "
                        "[tcp://]HOST:PORT such as tcp://10.0.0.5:8786") from None
    if parts.scheme not in DASK_SCHEMES:
        raise UserError(f"{option} {address!r}: unknown scheme '{parts.scheme}'; allowed: "
                        f"{allowed}")
    if not parts.hostname or port is None or parts.path not in ("", "/") or parts.query:
        raise UserError(f"{option} {address!r} is not a scheduler address; expected "
                        "[tcp://]HOST:PORT such as tcp://10.0.0.5:8786")
    if not 1 <= port <= 65535:
        raise UserError(f"{option} {address!r}: port must be from 1 to 65535")
    return f"{parts.scheme}://{parts.netloc}"


def output_dir(raw: str | None, default: Path, option: str = "--out") -> Path:
    """The output directory from an option's raw text (``None``: ``default``), checked by
    :func:`check_output_dir`.  The raw text matters: ``Path("")`` would be the current
    directory."""
    if raw is not None and not str(raw).strip():
        raise UserError(f"{option} needs a directory (got an empty path)")
    return check_output_dir(Path(raw) if raw is not None else default, option)


def check_output_dir(path: str | Path, option: str = "--out") -> Path:
    """Make sure results can be written into directory ``path``, creating it if needed.

    Refused up front: an empty path, an existing file, a path under a file, a directory where
    this user cannot create files (read-only, no permission, read-only file system).
    """
    if str(path) == "":
        raise UserError(f"{option} needs a directory (got an empty path)")
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UserError(f"{option} {out}: exists and is not a directory; give a directory "
                        "(it is created if needed)")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise UserError(f"{option} {out}: {parent} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(f"{option} {out}: cannot write there ({reason})") from None
    return out


_UNSAFE = re.compile(r"[^\w.+=-]+")


def path_name(name: str, fallback: str = "unnamed") -> str:
    """A label (scenario or experiment name) as one safe directory name under ``results/``.

    Names are labels shown to people and may hold anything; the default output directory must
    stay inside ``results/``: separators and other unsafe characters become ``_``, leading dots
    are dropped (no ``..``, no hidden directory) and an empty result takes ``fallback``.
    """
    slug = _UNSAFE.sub("_", name).lstrip(".")
    slug = slug[:100].strip("_") or fallback
    return slug

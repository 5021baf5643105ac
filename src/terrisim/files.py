"""Reading small input files (scenarios, experiments, targets) safely.

Input files are a few kilobytes of TOML.  Anything else is refused before it is read, with one
line naming the file: a FIFO would block forever, ``/dev/zero`` never ends, a directory or a
binary file is a mistake, a 100,000-deep nesting makes the parser recurse until it crashes.
The error class is the caller's (scenario, experiment or targets error), so the message reads
like every other error of that kind of file.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from .errors import InputError

#: Largest scenario or experiment file read (bytes): such files are a few kilobytes; a bigger
#: one is a mistake (a data file, a device) and is refused before it fills the memory.
MAX_FILE_BYTES = 1 << 20


def _describe_special(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    for test, what in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def read_text_file(path: Path, error: type[InputError], what: str = "a .toml file") -> str:
    """The text of a small regular file, or one clear :class:`InputError` naming the file.

    Only regular files are opened (a FIFO would block forever, ``/dev/zero`` never ends), at
    most :data:`MAX_FILE_BYTES` are read, and every I/O or encoding problem becomes a message.
    """
    source = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(source, None, "file not found") from None
    except NotADirectoryError:
        raise error(source, None, "file not found (a part of the path is a file, not a "
                    "directory)") from None
    except (OSError, RuntimeError, ValueError) as exc:   # loops, too long, permissions
        raise error(source, None, f"cannot be read ({os_reason(exc)})") from None
    special = _describe_special(st.st_mode)
    if special == "a directory":
        raise error(source, None, f"is a directory, expected {what}")
    if special:
        raise error(source, None, f"is {special}, expected {what} (only regular files are "
                    "read)")
    if st.st_size > MAX_FILE_BYTES:
        raise error(source, None, f"is {st.st_size:,} bytes; {what} is at most "
                    f"{MAX_FILE_BYTES:,} bytes")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise error(source, None, f"cannot be read ({os_reason(exc)})") from None
    if len(data) > MAX_FILE_BYTES:
        raise error(source, None, f"is larger than {MAX_FILE_BYTES:,} bytes; {what} is "
                    "smaller")
    if b"\x00" in data:
        raise error(source, None, f"is a binary file, expected {what} (text, UTF-8)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(source, None, f"cannot be read (not UTF-8 text: {exc.reason} at byte "
                    f"{exc.start})") from None


def os_reason(exc: BaseException) -> str:
    """An OS error in a few words, without repeating the path."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def parse_toml(text: str, source: str, error: type[InputError]) -> dict[str, Any]:
    """Parse TOML text, turning syntax errors and absurd nesting into one clear error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(source, None, f"is not valid TOML ({exc})") from None
    except RecursionError:
        raise error(source, None, "is not valid TOML for terrisim (arrays or tables nested "
                    "too deeply)") from None

"""Errors meant for people: printed on one line by the command line, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user (file, key, value, option): the message says what and where."""


class InputError(UserError, ValueError):
    """A problem located in an input file or mapping: the message starts with the file (or
    source) and the key, then says what is allowed."""

    def __init__(self, source: str, key: str | None, message: str) -> None:
        self.source = source
        self.key = key
        self.detail = message
        where = f"{source}: key '{key}'" if key else source
        super().__init__(f"{where}: {message}")

"""Errors meant for people: printed on one line by the command line, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user (file, key, value, option): the message says what and where."""

"""Errors a user can cause with their input; the CLI prints them as one line and exits with code 2."""

from __future__ import annotations


class SignalsInputError(ValueError):
    """Bad input: a missing column, an empty file, a wrong type, too many stratum levels, a bad path."""

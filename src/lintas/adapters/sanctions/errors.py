"""Errors of the list loaders.

ListRefusedError (ValueError)   the file is not a list we can read, or breaks a size bound
"""

from __future__ import annotations


class ListRefusedError(ValueError):
    """The file cannot be loaded as a sanctions list; the message starts with a reason code."""

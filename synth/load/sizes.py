"""Byte counts in a reader's words, one wording for files, pages and standard input (pure)."""

from __future__ import annotations


def readable_size(count: int) -> str:
    """A byte count as a reader sees it: '2.0 MB', '500 KB', '12 bytes' (never '0 MB')."""
    if count >= 1_048_576:
        return f"{count / 1_048_576:.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"


def over_the_limit(max_bytes: int) -> str:
    """'over the 10.0 MB limit for one article (raise it with --max-bytes)'."""
    return f"over the {readable_size(max_bytes)} limit for one article (raise it with --max-bytes)"

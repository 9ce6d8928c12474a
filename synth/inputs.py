"""How inputs are named on the command line and in a report (pure).

An input is a file or folder path, an http(s) URL, or "-" for one article on standard
input. URLs stay strings: a Path would fold "https://" into "https:/".
"""

from __future__ import annotations

import re

# The input that names standard input, and the name its article is known by (its path).
STDIN = "-"
STDIN_NAME = "<stdin>"
# "scheme://" at the start: a URL, not a path.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(text: str) -> bool:
    """True for a string that names a URL of any scheme ("https://…", "ftp://…")."""
    return bool(_URL.match(text))


def names_a_file(path: str) -> bool:
    """True for a source path that is a file's, not a URL or standard input."""
    return path != STDIN_NAME and not is_url(path)

"""Default bounds on reading input, shared by the settings and the loader (pure constants).

They live apart from both so that the settings need not import the loader (disk and network
I/O) to know its defaults.
"""

from __future__ import annotations

# The largest article accepted, file, page or standard input (--max-bytes).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Seconds to download one article given as a URL, all of it.
FETCH_TIMEOUT_SECONDS = 20.0

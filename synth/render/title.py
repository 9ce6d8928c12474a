"""The title of a fact sheet, from its sources (pure).

It belongs to the renderers, not to the loader: a report is titled long after its articles
were read, and rendering must not import the loading package (disk and network I/O).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from synth.inputs import names_a_file
from synth.models import Source


def story_title(sources: Sequence[Source]) -> str | None:
    """The title of a fact sheet: the first original source's headline, else any source's,
    else the name of the folder the articles came from."""
    for candidates in ([s for s in sources if not s.duplicate_of], sources):
        for source in candidates:
            if source.title:
                return source.title
    # A page's URL or standard input names no folder.
    folders = {Path(s.path).parent.name for s in sources if names_a_file(s.path)}
    if len(folders) == 1:
        return folders.pop() or None
    return None

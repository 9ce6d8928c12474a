"""Where a run is, as the stages report it (pure data; synth.cli draws it on a terminal).

Each stage reports its own counts: the read stage inputs read of inputs found, extraction
articles done of articles and the model requests in flight, the model reconcile batches
done of batches. A many-story run folds its stories' stages into one "stories" stage
(stories done of stories; `item` names the story under way and where it is), and a
provider batch is the "batch" stage (requests done of requests in it; `item` its id and
state). A stage reports when it starts (done 0), after each item, and, while model requests
are out, about once a second, so that a display can show time passing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Stage = Literal["read", "extract", "reconcile", "stories", "batch"]


@dataclass(frozen=True)
class Progress:
    stage: Stage
    done: int
    total: int
    in_flight: int = 0  # model requests sent and not yet answered
    item: str = ""  # what was read or finished last (a path, a source id), or what is read


ProgressCallback = Callable[[Progress], None]

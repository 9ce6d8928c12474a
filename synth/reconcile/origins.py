"""Which independent origin each source and claim speaks for (pure).

Corroboration counts origins, not articles. A republished copy (`Source.duplicate_of`,
followed to the original) counts as its original. A claim that relays another outlet's or
agency's report (`Claim.cited_origin`: "citing Yonhap", "according to Reuters' report")
counts as that outlet's: its origin is the source that outlet published, when the set has
one, else the name as the claim gives it. The rules' reconcile, the checks on a model's
answer and the renderers all count independence here, and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from synth.models import Claim, Source

_LEADING_ARTICLE = re.compile(r"^the\s+")
_NOT_A_LETTER = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """'The Yonhap news agency.' and 'Yonhap News Agency' are one name."""
    return _NOT_A_LETTER.sub(" ", _LEADING_ARTICLE.sub("", name.casefold().strip())).strip()


class Origins:
    """The origins of the sources of one report, and of the claims in them."""

    def __init__(self, sources: Iterable[Source]) -> None:
        sources = list(sources)
        self._copy_of = {s.id: s.duplicate_of for s in sources if s.duplicate_of}
        self._outlet_key = {s.id: name_key(s.outlet) for s in sources if s.outlet}
        # A relayed outlet is the first source it published: its report is in the set.
        self._source_of_outlet: dict[str, str] = {}
        for source_id, key in self._outlet_key.items():
            self._source_of_outlet.setdefault(key, source_id)

    def of_source(self, source_id: str) -> str:
        """The original a source republishes (following copies of copies), or itself."""
        seen = {source_id}
        while (original := self._copy_of.get(source_id)) is not None and original not in seen:
            seen.add(original)
            source_id = original
        return source_id

    def of_claim(self, claim: Claim) -> str:
        """The origin a claim speaks for: what it relays, else its source's origin."""
        relayed = (claim.cited_origin or "").strip()
        key = name_key(relayed) if relayed else ""
        if not key or key == self._outlet_key.get(claim.source_id):
            return self.of_source(claim.source_id)  # its own outlet's report
        source_id = self._source_of_outlet.get(key)
        return self.of_source(source_id) if source_id is not None else relayed

    def of_claims(self, claims: Iterable[Claim]) -> list[str]:
        """The distinct origins of `claims`, in first-seen order."""
        distinct: dict[str, str] = {}
        for claim in claims:
            origin = self.of_claim(claim)
            distinct.setdefault(name_key(origin) or origin, origin)
        return list(distinct.values())

    def count(self, claims: Iterable[Claim]) -> int:
        return len(self.of_claims(claims))

    def count_sources(self, source_ids: Iterable[str]) -> int:
        """Independent sources among `source_ids`: copies count with their originals."""
        return len({self.of_source(s) for s in source_ids})

"""Write the JSON report of a folder of articles and check every quote against its source.

    python examples/report_to_json.py FOLDER OUT.json
"""

from __future__ import annotations

import sys
from pathlib import Path

import synth


def main() -> None:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    report = synth.summarise([folder], offline=True)
    texts = {source.id: source.text for source in report.sources}
    for claim in report.claims:
        # The contract: a quote is exactly the source text at its offsets.
        assert texts[claim.source_id][claim.start:claim.end] == claim.quote
    out.write_text(synth.render_json(report), encoding="utf-8")
    print(f"wrote {out}: {len(report.facts)} facts, {len(report.problems)} problems")


if __name__ == "__main__":
    main()

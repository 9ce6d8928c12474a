"""Summarise a bundled story from Python and print its conflicts with who said what.

    python examples/summarise_story.py [FOLDER]
"""

from __future__ import annotations

import sys
from pathlib import Path

import synth

HERE = Path(__file__).parent


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "articles" / "nk-troops-russia"
    report = synth.summarise([folder])  # offline unless SYNTH_MODEL is set
    print(f"{len(report.sources)} sources, {len(report.claims)} grounded claims\n")
    for sentence in report.overview:
        print("-", sentence.text, sentence.claim_ids)
    print()
    for fact in report.facts:
        if fact.status != "conflicting":
            continue
        print(f"{fact.id}: {fact.statement.split(':')[0]}")
        for variant in fact.variants:
            print(f"    {variant.label:>20}  {'; '.join(variant.attributed_to)}  "
                  f"{', '.join(variant.source_ids)}")
    for problem in report.problems:
        print("problem:", problem.line())


if __name__ == "__main__":
    main()

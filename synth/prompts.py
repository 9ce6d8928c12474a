"""Prompt files from `prompts/`, filled with values in one pass (reads package files).

Placeholders are `${name}`. They are filled by a single regex pass over the template, so
article text that itself contains `${…}` or `{{ }}` is inserted as it is, never expanded.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from synth.errors import ConfigError

_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    name: str
    system: str
    user: str
    content_hash: str  # of the file: a changed prompt misses the cache

    def render(self, **values: str) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": fill(self.system, values)},
            {"role": "user", "content": fill(self.user, values)},
        ]


def prompts_dir() -> Path:
    packaged = Path(__file__).parent / "_prompts"  # where the wheel puts them
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "prompts"  # a source checkout


@cache
def load_prompt(name: str) -> Prompt:
    path = prompts_dir() / f"{name}.md"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError:
        raise ConfigError(f"prompt file {path} is missing; reinstall synth") from None
    body = re.sub(r"<!--.*?-->\s*", "", raw, count=1, flags=re.DOTALL)
    parts = _SECTION.split(body)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    if set(sections) != {"system", "user"}:
        raise ConfigError(f"prompt file {path} needs a '## system' and a '## user' section")
    return Prompt(name, sections["system"], sections["user"], hashlib.sha256(raw.encode("utf-8")).hexdigest())


def fill(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise ConfigError(f"prompt placeholder ${{{key}}} has no value")
        return values[key]

    return _PLACEHOLDER.sub(value, template)

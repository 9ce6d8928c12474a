"""Loading: articles from files, folders, URLs and standard input into Sources.

The package is the run's input side, and the only place that reads articles from disk or
the network (`sources`, `fetch`). Its helpers are pure and take bytes or strings: `decode`
(bytes → text), `html` (an HTML page → article text, the *input* HTML; rendering a report
as HTML is `synth.render.html`), `metadata` (title, outlet and date from a text header) and
`sizes` (byte counts in words).
"""

from synth.load.sources import LoadResult, load_sources

__all__ = ["LoadResult", "load_sources"]

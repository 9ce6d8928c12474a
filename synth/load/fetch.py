"""Download an article page given as an http(s) URL (network I/O, with httpx).

One GET per URL, redirects followed (at most MAX_REDIRECTS, http and https only), bounded in
time (`timeout` for the whole download, however slowly the page trickles in) and in size
(the same `max_bytes` as a file: the body is read in pieces and given up on at the limit,
so a page that never ends cannot fill memory). A failure is an InputError naming the URL
and the reason in one line. The page's bytes then go through the same decoding and HTML
extraction as a saved file (synth.load).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from synth.errors import InputError
from synth.limits import FETCH_TIMEOUT_SECONDS
from synth.load.sizes import over_the_limit, readable_size

MAX_REDIRECTS = 10


@dataclass(frozen=True)
class FetchedPage:
    body: bytes
    media_type: str  # "text/html", without parameters; "" when the server sent none
    final_url: str  # after redirects


def fetch_page(url: str, *, max_bytes: int, timeout: float = FETCH_TIMEOUT_SECONDS) -> FetchedPage:
    """The page at `url`, or InputError(url, why not)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(url, f"only http and https URLs are fetched, not {scheme}")
    import httpx  # only when a URL is given

    from synth import __version__

    deadline = time.monotonic() + timeout
    try:
        with httpx.Client(
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            timeout=httpx.Timeout(timeout),
            headers={
                "User-Agent": f"synth/{__version__}",
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
            },
        ) as client:
            with client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise InputError(
                        url,
                        f"the server answered HTTP {response.status_code}"
                        f"{_status_phrase(response.status_code)}",
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise InputError(
                        url, f"the page is {readable_size(int(declared))}, {over_the_limit(max_bytes)}"
                    )
                pieces: list[bytes] = []
                received = 0
                for piece in response.iter_bytes():
                    received += len(piece)
                    if received > max_bytes:
                        raise InputError(url, f"the page is {over_the_limit(max_bytes)}")
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the whole page took too long")
                    pieces.append(piece)
                media_type = response.headers.get("content-type", "").partition(";")[0]
                return FetchedPage(b"".join(pieces), media_type.strip().lower(), str(response.url))
    except httpx.TimeoutException:
        raise InputError(url, f"no complete page within {timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise InputError(url, f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.UnsupportedProtocol:
        raise InputError(url, "redirected to a URL that is not http or https") from None
    except httpx.ConnectError as error:
        raise InputError(url, f"cannot connect ({_connect_failure(error, url)})") from None
    except httpx.InvalidURL as error:
        raise InputError(url, f"not a usable URL ({error})") from None
    except httpx.HTTPError as error:
        raise InputError(url, f"the download failed ({type(error).__name__}: {error})") from None


def _status_phrase(status: int) -> str:
    """' (Not Found)': the standard phrase, not the server's (whose words are its own)."""
    try:
        return f" ({HTTPStatus(status).phrase})"
    except ValueError:
        return ""


def _connect_failure(error: BaseException, url: str) -> str:
    cause: BaseException | None = error
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return f"no host named {urlsplit(url).hostname} was found"
        cause = cause.__cause__ or cause.__context__
    return str(error) or type(error).__name__

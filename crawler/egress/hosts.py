"""Host names compared as the network sees them: lower case, no trailing dot, IDNA (ASCII)."""

from __future__ import annotations

import contextlib
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=4096)
def ascii_host(host: str) -> str:
    """host as a crawl's request URL and the resolver carry it: lower case, without a
    trailing dot, a non-ASCII name in its IDNA form (`bücher.example` is
    `xn--bcher-kva.example`). A name IDNA cannot encode (an empty or too long label) is kept
    as written, in lower case.

    The encoding is Scrapy's (w3lib: NFKC, then Python's IDNA 2003 codec), which is also
    what urllib and the system resolver use: the `idna` package's UTS-46 encodes `ß`, `ς`
    and joiners differently (`faß.de` is `xn--fa-hia.de` there, `fass.de` here), and
    would compare a host the crawl never requests."""
    host = host.lower()
    if not host.isascii():
        with contextlib.suppress(UnicodeError):  # keep the name: it can never resolve
            host = unicodedata.normalize("NFKC", host).encode("idna").decode("ascii").lower()
    return host.rstrip(".")

"""URL facts the body cleaner needs: schemes as browsers read them, srcset, hosts, trackers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from archive.urls import join_url
from crawler.egress.addresses import literal_address, non_public
from crawler.egress.hosts import ascii_host

# What a browser strips before it reads a URL's scheme (the WHATWG URL parser).
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_C0_SPACE = "".join(chr(c) for c in range(0x21))
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# The HTML standard's srcset parsing knows ASCII whitespace only (TAB, LF, FF, CR, SPACE).
# A candidate's URL: whitespace and commas skipped, then a run of non-whitespace.
_CANDIDATE_URL = re.compile(r"[\t\n\f\r ,]*([^\t\n\f\r ]+)")
_ASCII_SPACE = re.compile(r"[\t\n\f\r ]+")
_SPACE_CHARS = frozenset("\t\n\f\r ")

# Query parameters that only identify a click or a campaign.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "_hsenc", "_hsmi",
    "hsctatracking", "mkt_tok", "spm", "scm", "vero_id", "vero_conv", "oly_anon_id",
    "oly_enc_id", "rb_clickid", "s_cid", "wickedid", "_openstat", "ref_src", "ref_url",
    "share_token", "xtor", "__twitter_impression", "cmpid", "soc_src", "soc_trk",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmsr")


def scheme_of(url: str) -> str | None:
    """The scheme a browser would read in url (lower case); None for a relative URL."""
    if ":" not in url:
        return None  # no scheme without a colon, whatever the browser strips first
    head = url[:8].lower()
    if head.startswith("http://"):
        return "http"  # the usual cases, without the regexes below
    if head == "https://":
        return "https"
    match = _SCHEME.match(_TAB_NEWLINE.sub("", url).strip(_C0_SPACE))
    return match.group(1).lower() if match else None


def web_url(url: str) -> bool:
    """True for http(s) URLs and relative ones (no scheme)."""
    return scheme_of(url) in (None, "http", "https")


def parse_srcset(value: str) -> list[tuple[str, str]]:
    """(url, descriptor) candidates, split as the HTML standard's "parse a srcset attribute"
    splits them (URLs may hold commas, a comma inside parentheses does not end a candidate);
    the descriptor is the candidate's descriptor tokens joined by one space."""
    result: list[tuple[str, str]] = []
    pos, end = 0, len(value)
    while pos < end:
        match = _CANDIDATE_URL.match(value, pos)
        if match is None:
            break  # only whitespace and commas left
        url, pos = match.group(1), match.end()
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = value.find(",", pos)
            stop = end if comma < 0 else comma
            if "(" in value[pos:stop]:
                descriptors, pos = _descriptors(value, pos)
            else:
                # Without "(" the tokenizer never leaves its descriptor states: the tokens
                # are the whitespace-separated runs up to the next comma, which ends them.
                descriptors = [t for t in _ASCII_SPACE.split(value[pos:stop]) if t]
                pos = stop + 1
        if url:
            result.append((url, " ".join(descriptors)))
    return result


def _descriptors(value: str, pos: int) -> tuple[list[str], int]:
    """The standard's descriptor tokenizer from pos: the candidate's descriptor tokens and
    the position after the comma (or the end) that ended them. One level of parentheses:
    the first ")" closes them, a ")" outside them is an ordinary character."""
    descriptors: list[str] = []
    current, state, end = "", "descriptor", len(value)
    while pos < end and value[pos] in _SPACE_CHARS:
        pos += 1
    while True:
        c = value[pos] if pos < end else ""
        if state == "parens":
            if not c:
                descriptors.append(current)
                return descriptors, pos
            current += c
            if c == ")":
                state = "descriptor"
        elif state == "after":
            if not c:
                return descriptors, pos
            if c not in _SPACE_CHARS:
                state = "descriptor"
                continue  # read c again in the descriptor state
        elif not c or c == ",":
            if current:
                descriptors.append(current)
            return descriptors, pos + 1
        elif c in _SPACE_CHARS:
            if current:
                descriptors.append(current)
                current = ""
            state = "after"
        else:
            current += c
            if c == "(":
                state = "parens"
        pos += 1


def format_srcset(candidates: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{url} {d}" if d else url for url, d in candidates)


def best_candidate(candidates: list[tuple[str, str]]) -> str | None:
    """The widest (or densest) candidate's URL: what a large screen would pick."""
    def size(candidate: tuple[str, str]) -> float:
        descriptor = candidate[1].lower()
        try:
            if descriptor.endswith("w"):
                return float(descriptor[:-1])
            if descriptor.endswith("x"):
                return float(descriptor[:-1]) * 1000  # 2x beats any width-less guess
        except ValueError:
            pass
        return 1.0
    return max(candidates, key=size)[0] if candidates else None


_NETLOC = re.compile(r"^https?://([^/?#\\]*)", re.I)


def host_of(url: str) -> str:
    """The host of url, lower case, without port or brackets, a non-ASCII name in its IDNA
    (ASCII) form as a crawl requests it; "" when it has none."""
    match = _NETLOC.match(url)
    if match and "%" not in match.group(1):
        host = match.group(1).rpartition("@")[2]
        if host.startswith("["):
            return host[1:host.find("]")].lower()
        return ascii_host(host.partition(":")[0])
    try:
        return ascii_host(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def absolute(url: str, base: str) -> str | None:
    """url resolved against base; None when it is unusable or not http(s) afterwards."""
    url = url.strip()
    if not url:
        return None
    head = url[:8].lower()
    if head.startswith(("http://", "https://")) and not _TAB_NEWLINE.search(url):
        return url  # already absolute: the common case, no parsing needed
    joined = join_url(base, url)  # None for a malformed IPv6 host and the like
    return joined if joined is not None and scheme_of(joined) in ("http", "https") else None


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """Shell-style host patterns: `*.sinaimg.cn` (any subdomain), `image.woshipm.com`."""
    return any(fnmatchcase(host, pattern) for pattern in patterns)


@lru_cache(maxsize=4096)
def is_private_host(host: str) -> bool:
    """Loopback, private-network, link-local and other non-public hosts: an IP literal in
    any spelling (the egress policy's address check), or a local-only name."""
    host = host.strip("[]").rstrip(".").lower()
    if not host:
        return True
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    address = literal_address(host)
    return address is not None and non_public(address) is not None


def strip_tracking(url: str) -> str:
    """url without utm_* and other click-tracking query parameters; the rest byte for byte."""
    if "?" not in url:
        return url
    head, _, rest = url.partition("?")
    query, hash_mark, fragment = rest.partition("#")
    kept = []
    for piece in query.split("&"):
        name = unquote(piece.split("=", 1)[0]).lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
            continue
        kept.append(piece)
    query = "&".join(kept)
    return head + ("?" + query if query else "") + hash_mark + fragment

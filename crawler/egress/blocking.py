"""The egress policy for blocking urllib fetches (`feedvault extract`, `feedvault sources check`).

The connection classes resolve the host, check every address, and connect to a checked
address (TLS still verifies the host name); the redirect handler checks each hop first.
Through a proxy, as in a crawl, the connection goes to the proxy (trusted on its own port)
and each target's scheme, literal address and name (resolved here) are checked before the
request is sent; the proxy's own DNS is out of reach. A source's keys (headers, cookies)
are added to each request, redirect hops included, only on the source's origins.
"""

from __future__ import annotations

import base64
import http.client
import socket
import urllib.request
from typing import Any
from urllib.parse import unquote

from w3lib.url import safe_url_string

from archive.urls import join_url
from crawler.egress.addresses import literal_address
from crawler.egress.keys import SourceKeys
from crawler.egress.policy import EgressPolicy, EgressRefused, environment_proxies, host_of, port_of

TIMEOUT = 30
_DEFAULT: Any = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]  # http.client: none given


def _guarded_connect(policy: EgressPolicy, host: str) -> Any:
    """A socket.create_connection that connects only to addresses the policy allows."""

    def connect(address: tuple[str, int], timeout: Any = _DEFAULT,
                source_address: Any = None) -> socket.socket:
        name, port = address
        if policy.trusts(host, port) or policy.trusts(name, port):
            return socket.create_connection(address, timeout, source_address)
        infos = socket.getaddrinfo(name, port, 0, socket.SOCK_STREAM)
        refused = policy.check_addresses(name, [str(info[4][0]) for info in infos], port)
        if refused:
            raise EgressRefused(refused)
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in infos:  # the checked addresses, in order
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not _DEFAULT:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                error = exc
                sock.close()
        raise error or OSError(f"cannot connect to {name}")

    return connect


def _connection(base: type[http.client.HTTPConnection], policy: EgressPolicy) -> Any:
    class Guarded(base):  # type: ignore[misc, valid-type]
        def __init__(self, host: str, *args: Any, **kwargs: Any) -> None:
            super().__init__(host, *args, **kwargs)
            self._create_connection = _guarded_connect(policy, self.host)

    return Guarded


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, policy: EgressPolicy) -> None:
        super().__init__()
        self.connection = _connection(http.client.HTTPConnection, policy)

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self.connection, req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, policy: EgressPolicy) -> None:
        super().__init__()
        self.connection = _connection(http.client.HTTPSConnection, policy)

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self.connection, req, context=getattr(self, "_context", None))


def _check_target(policy: EgressPolicy, url: str, proxies: dict[str, str]) -> None:
    """policy.check(url); when url goes through a proxy, which resolves its name itself,
    also the addresses the name resolves to here, as a crawl checks them (a name that does
    not resolve here is left to the proxy)."""
    policy.check(url)
    if url.split(":", 1)[0].lower() not in proxies:
        return  # a direct connection: the guarded connection checks what it connects to
    host, port = host_of(url), port_of(url)
    if not host or literal_address(host) is not None or policy.trusts(host, port):
        return
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return
    refused = policy.check_addresses(host, [str(info[4][0]) for info in infos], port)
    if refused:
        raise EgressRefused(f"{url}: {refused}")


class _Proxy(urllib.request.ProxyHandler):
    """A configured proxy (a source's or `[crawl]`'s): every request goes through it, as in a
    crawl, whatever $no_proxy says; its user and password become Proxy-Authorization, which
    urllib sends to the proxy only (for https, on the CONNECT request)."""

    def proxy_open(self, req: urllib.request.Request, proxy: str, type: str) -> Any:
        kind, user, password, hostport = urllib.request._parse_proxy(proxy)  # type: ignore[attr-defined]
        if user is not None:
            credentials = f"{unquote(user)}:{unquote(password or '')}".encode()
            req.add_header("Proxy-authorization",
                           "Basic " + base64.b64encode(credentials).decode("ascii"))
        req.set_proxy(unquote(hostport), kind or type)
        if (kind or type) == type or type == "https":
            return None
        return self.parent.open(req, timeout=req.timeout)


class _Keys(urllib.request.BaseHandler):
    """Adds a source's headers and cookies to each request (first and redirect hops) on
    one of its origins; unredirected headers, so urllib never copies them to a next hop."""

    def __init__(self, keys: SourceKeys) -> None:
        self.keys = keys

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        for name, value in self.keys.for_url(req.full_url).items():
            if not req.has_header(name.capitalize()):
                req.add_unredirected_header(name, value)
        return req

    https_request = http_request


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Checks each redirect's target before following it."""

    def __init__(self, policy: EgressPolicy, proxies: dict[str, str] | None = None) -> None:
        self.policy = policy
        self.proxies = proxies or {}

    def http_error_302(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                       headers: Any) -> Any:
        target = headers.get("location") or headers.get("uri")
        if target:  # before urllib's own scheme check, so the report names the rule
            joined = join_url(req.full_url, target)
            if joined is None:
                raise EgressRefused(f"{req.full_url}: refused: a redirect to {target.strip()[:200]!r}, "
                                    "which is not a usable URL")
            self.policy.check(joined)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        newurl = safe_url_string(newurl)  # encoded as Scrapy's redirects encode the Location
        _check_target(self.policy, newurl, self.proxies)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _proxies(proxy: str | None) -> dict[str, str]:
    """scheme -> proxy URL: the environment's for None (as a crawl without a proxy setting),
    none for "" (direct), else proxy for http and https."""
    if proxy is None:
        return {k: v for k, v in urllib.request.getproxies().items() if k in ("http", "https")}
    return {"http": proxy, "https": proxy} if proxy else {}


def guarded_opener(policy: EgressPolicy, proxy: str | None = None,
                   keys: SourceKeys | None = None) -> urllib.request.OpenerDirector:
    """A urllib opener under the policy, through proxy (None: http_proxy/https_proxy from
    the environment, honouring no_proxy; "": direct), adding keys on their origins. The
    proxy is trusted: the owner set it, and it is what the connection goes to."""
    proxies = _proxies(proxy)
    handler = urllib.request.ProxyHandler(proxies) if proxy is None else _Proxy(proxies)
    policy = policy.trusting([*environment_proxies(), *([proxy] if proxy else [])])
    return urllib.request.build_opener(
        handler, _HTTP(policy), _HTTPS(policy), _Redirects(policy, proxies),
        _Keys(keys or SourceKeys()), urllib.request.FileHandler())


def open_url(url: str, policy: EgressPolicy, headers: dict[str, str],
             timeout: float = TIMEOUT, *, proxy: str | None = None,
             keys: SourceKeys | None = None) -> Any:
    """urlopen under the policy: EgressRefused when url, a redirect or an address is refused.
    proxy: None for the environment's, "" for direct, else the proxy's URL; keys: a
    source's headers and cookies, sent on its origins only."""
    _check_target(policy, url, _proxies(proxy))
    request = urllib.request.Request(url, headers=headers)
    return guarded_opener(policy, proxy, keys).open(request, timeout=timeout)

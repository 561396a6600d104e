"""The egress policy for blocking urllib fetches (`feedvault extract`, `feedvault sources check`).

The connection classes resolve the host, check every address, and connect to a checked
address (TLS still verifies the host name); the redirect handler checks each hop first.
"""

from __future__ import annotations

import http.client
import socket
import urllib.request
from typing import Any

from archive.urls import join_url
from crawler.egress.policy import EgressPolicy, EgressRefused, environment_proxies

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


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Checks each redirect's target before following it."""

    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy

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
        self.policy.check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def guarded_opener(policy: EgressPolicy) -> urllib.request.OpenerDirector:
    """A urllib opener under the policy. A proxy from the environment is trusted: the
    owner set it, and it is what the connection goes to."""
    proxies = urllib.request.getproxies()
    policy = policy.trusting(environment_proxies())
    return urllib.request.build_opener(
        urllib.request.ProxyHandler(proxies), _HTTP(policy), _HTTPS(policy),
        _Redirects(policy), urllib.request.FileHandler())


def open_url(url: str, policy: EgressPolicy, headers: dict[str, str],
             timeout: float = TIMEOUT) -> Any:
    """urlopen under the policy: EgressRefused when url, a redirect or an address is refused."""
    policy.check(url)
    request = urllib.request.Request(url, headers=headers)
    return guarded_opener(policy).open(request, timeout=timeout)

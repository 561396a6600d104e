"""`[crawl] allow_hosts` and `allow_networks` entries: a host pattern or a network, on every port or one."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from crawler.egress.addresses import Address, Network, in_networks
from crawler.egress.hosts import ascii_host

# a name with `*`/`?` wildcards, or an IPv4 address; `[...]` here is an IPv6 address
_NAME = re.compile(r"^[a-z0-9*?.-]+$")
_PORT = re.compile(r"^[0-9]{1,5}$")

HOST_SYNTAX = ('write a host name such as "intranet.example" or "*.corp.example", or one '
               'port of it: "rsshub.lan:1200", "127.0.0.1:9200", "[::1]:8080" (no scheme or path)')
NETWORK_SYNTAX = ('write an address or a CIDR block such as "10.0.0.0/8" or "192.168.1.20", '
                  'or one port of it: "10.0.0.0/8:443", "[fd00::/8]:8080"')


@dataclass(frozen=True)
class AllowedHost:
    """A host pattern the owner allows, on `port` only or (None) on every port."""

    pattern: str
    port: int | None = None

    def matches(self, host: str, port: int | None) -> bool:
        """Whether host (lower case, no brackets) at port is allowed; port None: any port of
        the entry (a check that does not know the port)."""
        if self.port is not None and port is not None and port != self.port:
            return False
        return fnmatchcase(host, self.pattern)

    def __str__(self) -> str:
        host = f"[{self.pattern}]" if ":" in self.pattern else self.pattern
        return host if self.port is None else f"{host}:{self.port}"


@dataclass(frozen=True)
class AllowedNetwork:
    """A network the owner allows, on `port` only or (None) on every port."""

    network: Network
    port: int | None = None

    def matches(self, address: Address, port: int | None) -> bool:
        if self.port is not None and port is not None and port != self.port:
            return False
        return in_networks(address, (self.network,))

    def __str__(self) -> str:
        text = str(self.network)
        if self.network.num_addresses == 1:
            text = str(self.network.network_address)
        if self.port is None:
            return text
        return f"[{text}]:{self.port}" if self.network.version == 6 else f"{text}:{self.port}"


def split_port(text: str) -> tuple[str, int | None]:
    """`host:port`, `[v6]:port`, `[v6]`, `host` or a bare IPv6 address (every port) split
    into its host and port; ValueError when the port is not 1-65535."""
    text = text.strip()
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(text)
        return inside, _port(rest[1:]) if rest else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, _port(port)
    return text, None  # a name, or an IPv6 address without brackets: every port


def _port(text: str) -> int:
    if not _PORT.match(text) or not 1 <= int(text) <= 65535:
        raise ValueError(text)
    return int(text)


def allowed_host(text: str) -> AllowedHost:
    """One `allow_hosts` entry; ValueError when it is not a host pattern (with a port)."""
    host, port = split_port(text.lower())
    if ":" in host or text.strip().startswith("["):  # IPv6: an address, no wildcards
        return AllowedHost(str(ipaddress.IPv6Address(host)), port)
    host = ascii_host(host)  # a non-ASCII name as requests carry it: xn--...
    if not host or not _NAME.match(host):
        raise ValueError(text)
    return AllowedHost(host, port)


def allowed_network(text: str) -> AllowedNetwork:
    """One `allow_networks` entry; ValueError when it is not a network (with a port)."""
    network, port = split_port(text)
    return AllowedNetwork(ipaddress.ip_network(network.strip(), strict=False), port)

"""Is an IP address public? Pure functions on ipaddress, for every spelling of a host."""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

CGNAT = IPv4Network("100.64.0.0/10")          # RFC 6598 shared address space
NAT64 = IPv6Network("64:ff9b::/96")           # RFC 6052 well-known prefix
NAT64_LOCAL = IPv6Network("64:ff9b:1::/48")   # RFC 8215 local-use prefix
SIX_TO_FOUR = IPv6Network("2002::/16")        # RFC 3056
PRIVATE = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"),
           IPv4Network("192.168.0.0/16"), IPv6Network("fc00::/7"))  # RFC 1918, ULA


def literal_address(host: str) -> Address | None:
    """The address a host written as an IP literal stands for, in any spelling a resolver
    accepts (`127.0.0.1`, `[::1]`, `2130706433`, `0177.0.0.1`, `0x7f000001`, `127.1`);
    None for a host name."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0)
    except ValueError:
        pass
    try:
        return IPv4Address(_inet_aton(host))
    except ValueError:
        return None


def _inet_aton(host: str) -> int:
    """inet_aton(3): 1 to 4 parts, each decimal, octal (0...) or hex (0x...)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        raise ValueError(host)
    numbers = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            number = int(part[2:] or "0", 16)
        elif part.startswith("0") and len(part) > 1:
            number = int(part[1:], 8)
        elif part.isdigit():
            number = int(part)
        else:
            raise ValueError(host)
        numbers.append(number)
    value = 0
    for number in numbers[:-1]:
        if not 0 <= number <= 255:
            raise ValueError(host)
        value = value * 256 + number
    last_bits = 8 * (5 - len(parts))
    if not 0 <= numbers[-1] < 2 ** last_bits:
        raise ValueError(host)
    return (value << last_bits) | numbers[-1]


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries: IPv4-mapped, 6to4, NAT64 (and IPv4-compatible)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in SIX_TO_FOUR:
        return address.sixtofour
    if address in NAT64 or address in NAT64_LOCAL:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    if _compatible(address):
        return IPv4Address(int(address))
    return None


def _compatible(address: IPv6Address) -> bool:
    """::a.b.c.d, the deprecated IPv4-compatible form (not :: and ::1)."""
    return int(address) >> 32 == 0 and int(address) > 1


def non_public(address: Address) -> str | None:
    """Why connecting to address would leave the public internet ("a loopback address"),
    or None when it is a public address."""
    if isinstance(address, IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            why = non_public(inner)
            if why is None and _compatible(address):
                return "a reserved address"
            return f"{why} (as {inner})" if why else None
        if address.scope_id:
            return "a link-local address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if isinstance(address, IPv4Address) and address in CGNAT:
        return "a carrier-grade NAT (100.64.0.0/10) address"
    if address.is_multicast:
        return "a multicast address"
    if any(address.version == n.version and address in n for n in PRIVATE):
        return "a private-network address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a special-use address"
    if not address.is_global:
        return "a non-public address"
    return None


def in_networks(address: Address, networks: tuple[Network, ...]) -> bool:
    """Whether address (or the IPv4 address it carries) lies in one of networks."""
    inner = embedded_ipv4(address) if isinstance(address, IPv6Address) else None
    return any(a.version == n.version and a in n
               for a in (address, inner) if a is not None for n in networks)

"""Which IP addresses a crawl of user-supplied URLs may reach (``allow_private = false``).

A deployment that fetches URLs its users typed must not become a way into its own
network: loopback, link-local (cloud metadata at 169.254.169.254), private, unique-local,
multicast, unspecified and other non-global addresses are refused. The host name is
resolved and *every* address it resolves to is judged, since the connection could use
any of them; the Fetcher does this before each hop, and its connections check the peer
again after connecting, so DNS that changes its answer in between gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult

from scraper.errors import PermanentFetchError, TransientFetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
ALLOW_PRIVATE_HINT = ("allow_private = false lets this target reach only public addresses; "
                      "set allow_private = true for it if it really must reach that host")


def _embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(address: str | IPAddress) -> str | None:
    """Why ``address`` is not public ("loopback", "private", ...), or None when it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded(ip)
        if inner is not None:
            reason = refusal(inner)
            return f"{reason} (inside {ip})" if reason else None
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv6Address) and ip in _UNIQUE_LOCAL:
        return "unique-local"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved (not globally routable)"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for a TCP connection, as text."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def require_public(url: str, parts: SplitResult, *, requested: str) -> None:
    """Refuse ``url`` unless every address its host resolves to is public.

    PermanentFetchError saying which address and why; TransientFetchError when the name
    does not resolve (the same as the connection itself would fail).
    """
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise TransientFetchError(f"{url}: cannot resolve the host name {host} ({exc})", url=requested,
                                  hint="check the host name and your network connection") from None
    for address in addresses:
        reason = refusal(address)
        if reason:
            shown = host if host == address else f"{host} resolves to {address}, which"
            raise PermanentFetchError(f"{url}: refused: {shown} is a {reason} address (allow_private = false)",
                                      url=requested, hint=ALLOW_PRIVATE_HINT)


class NonPublicPeer(OSError):
    """A connection reached a non-public address although the request allowed only public ones."""


def check_peer(sock: socket.socket, host: str) -> None:
    """Raise NonPublicPeer (closing ``sock``) when it is connected to a non-public address."""
    try:
        peer = str(sock.getpeername()[0])
    except OSError:
        return  # not connected: the request fails on its own
    reason = refusal(peer)
    if reason:
        sock.close()
        raise NonPublicPeer(f"refused: {host} connected to {peer}, a {reason} address (allow_private = false)")

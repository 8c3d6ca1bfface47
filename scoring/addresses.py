"""The address a sign-in comes from (登录地址), which sign-in throttling counts.

Streamlit gives the connection's peer. Visits from this machine come as ``127.0.0.1``,
``::1`` or ``::ffff:127.0.0.1`` (its socket is dual-stack), and so does every visit
through a reverse proxy (反向代理) on this machine: counting that address would let 20
mistyped passwords anywhere in the office lock everyone out. So a peer that is this
machine, or a proxy named in ``SCORING_TRUSTED_PROXIES`` (addresses or networks, comma
separated), is not the visitor: the visitor is the nearest address in the proxy's
``X-Forwarded-For`` that is not one of those (a proxy appends the peer it saw, so what a
visitor writes into the header themselves sits further left and is never taken).
Without such an address the visit is local and only the account name is counted.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache

__all__ = ["ENV", "sign_in_address", "trusted_proxies"]

ENV = "SCORING_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _parse_networks(text: str) -> tuple[Network, ...]:
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"环境变量 {ENV} 中的「{part}」不是 IP 地址或网段（如 10.0.0.5 或 10.0.0.0/24）"
            ) from exc
    return tuple(out)


def trusted_proxies(environ: dict[str, str] | None = None) -> tuple[Network, ...]:
    """The reverse proxies named in ``SCORING_TRUSTED_PROXIES`` (this machine is always
    trusted besides)."""
    env = os.environ if environ is None else environ
    return _parse_networks(env.get(ENV, ""))


def _address(text: str) -> Address | None:
    try:
        found = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _ours(address: Address, trusted: tuple[Network, ...]) -> bool:
    return address.is_loopback or any(address in net for net in trusted)


def sign_in_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...] = ()
) -> str | None:
    """The visitor's address from the connection's ``peer`` and the ``X-Forwarded-For``
    header; ``None`` for a visit from this machine (see the module's docstring)."""
    if not peer:
        return None
    address = _address(peer)
    if address is None:
        return peer
    if not _ours(address, trusted):
        return str(address)
    hops = [h for h in (forwarded_for or "").split(",") if h.strip()]
    for hop in reversed(hops):
        seen = _address(hop)
        if seen is None:
            return None  # not an address: the header was not written by a proxy of ours
        if not _ours(seen, trusted):
            return str(seen)
    return None

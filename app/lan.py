"""The address students type: this machine's address on the class network, not loopback.

A teacher often opens the board on the server's own machine (http://127.0.0.1:8000), an
address no student can use; the join link then names the machine's LAN address instead.
"""

from __future__ import annotations

import ipaddress
import socket

import psutil

from app.hosts import LOOPBACK_NAMES

# Interfaces of containers and virtual machines on this host: no student reaches those.
VIRTUAL_PREFIXES = ("docker", "br-", "veth", "virbr", "vnet", "cni", "flannel", "podman", "lxc")


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that another machine on its network could use:
    private ones (192.168/16, 10/8, 172.16/12) first, then any other global one; never
    loopback, link-local or a container bridge's."""
    found = []
    stats = psutil.net_if_stats()
    for interface, addresses in psutil.net_if_addrs().items():
        if interface.startswith(VIRTUAL_PREFIXES) or not getattr(stats.get(interface), "isup", True):
            continue
        for address in addresses:
            if address.family != socket.AF_INET:
                continue
            ip = ipaddress.IPv4Address(address.address)
            if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
                continue
            found.append(ip)
    return [str(ip) for ip in sorted(set(found), key=lambda ip: (not ip.is_private, ip))]


def is_loopback(host: str) -> bool:
    """A name or address that means "this machine" to whoever types it."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def join_urls(scheme: str, host: str, port: int | None, code: str) -> list[str]:
    """Links that join the class, best first: the address the board itself was opened at,
    unless that is loopback; then the machine's LAN addresses."""
    suffix = f":{port}" if port and port != {"http": 80, "https": 443}.get(scheme) else ""
    hosts = [] if is_loopback(host) else [host]
    hosts += [address for address in lan_addresses() if address not in hosts]
    if not hosts:  # no network at all: loopback is all there is
        hosts = [host]
    return [f"{scheme}://{f'[{name}]' if ':' in name else name}{suffix}/?class={code}" for name in hosts]

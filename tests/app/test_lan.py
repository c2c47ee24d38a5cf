"""The address students type: the machine's LAN addresses, never loopback, link-local or a
container bridge's; private ones first."""

import socket
from types import SimpleNamespace

import psutil

from app.lan import is_loopback, join_urls, lan_addresses


def _addresses(table: dict[str, list[str]]):
    return {
        name: [
            SimpleNamespace(family=socket.AF_INET6 if ":" in a else socket.AF_INET, address=a)
            for a in addresses
        ]
        for name, addresses in table.items()
    }


def test_lan_addresses_skip_what_no_student_reaches(monkeypatch):
    table = {
        "lo": ["127.0.0.1", "::1"],
        "docker0": ["172.17.0.1"],
        "veth12ab": ["172.18.0.1"],
        "eth0": ["203.0.113.7", "fe80::1"],
        "wlan0": ["192.168.1.23", "169.254.3.4"],
        "eth1": ["10.0.0.5"],
        "down0": ["192.168.9.9"],
    }
    monkeypatch.setattr(psutil, "net_if_addrs", lambda: _addresses(table))
    monkeypatch.setattr(
        psutil, "net_if_stats", lambda: {name: SimpleNamespace(isup=name != "down0") for name in table}
    )
    assert lan_addresses() == ["10.0.0.5", "192.168.1.23", "203.0.113.7"]
    assert join_urls("http", "localhost", 8000, "ROOM42") == [
        "http://10.0.0.5:8000/?class=ROOM42",
        "http://192.168.1.23:8000/?class=ROOM42",
        "http://203.0.113.7:8000/?class=ROOM42",
    ]
    # Opened by a name students can use: that first; the default port is left out.
    assert join_urls("http", "lab-pc", 80, "ROOM42")[:2] == [
        "http://lab-pc/?class=ROOM42",
        "http://10.0.0.5/?class=ROOM42",
    ]
    assert join_urls("http", "fd00::2", 8000, "ROOM42")[0] == "http://[fd00::2]:8000/?class=ROOM42"


def test_with_no_network_the_loopback_link_is_all_there_is(monkeypatch):
    monkeypatch.setattr(psutil, "net_if_addrs", lambda: _addresses({"lo": ["127.0.0.1"]}))
    monkeypatch.setattr(psutil, "net_if_stats", lambda: {"lo": SimpleNamespace(isup=True)})
    assert join_urls("http", "127.0.0.1", 8000, "AB12") == ["http://127.0.0.1:8000/?class=AB12"]


def test_loopback_names_and_addresses():
    assert all(map(is_loopback, ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST"]))
    assert not any(map(is_loopback, ["lab-pc", "192.168.1.2", "10.0.0.1"]))

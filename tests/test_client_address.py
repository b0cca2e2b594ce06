"""The client address that keys the per-client sign-in lockout (ui.auth.client)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nmgdash.ui import auth


@pytest.mark.parametrize("peer, forwarded, expected", [
    ("10.1.2.3", None, "10.1.2.3"),                      # a direct connection
    (None, None, "localhost"),                           # Streamlit gives no address for a local one
    ("127.0.0.1", "10.9.8.7", "10.9.8.7"),               # behind nginx on the same host
    ("127.0.0.1", "6.6.6.6, 10.9.8.7", "10.9.8.7"),      # a forged entry on the left is ignored
    ("::1", "10.9.8.7", "10.9.8.7"),
    ("10.1.2.3", "6.6.6.6", "10.1.2.3"),                 # a remote peer cannot choose its own address
])
def test_client_address(monkeypatch, peer, forwarded, expected):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    monkeypatch.setattr(auth, "st", SimpleNamespace(context=SimpleNamespace(ip_address=peer, headers=headers)))
    assert auth.client() == expected

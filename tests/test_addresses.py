"""Which address sign-in throttling counts, directly and behind a reverse proxy."""

from __future__ import annotations

import re

import pytest

from scoring.addresses import sign_in_address, trusted_proxies


def test_a_visitor_reaching_the_app_directly_is_counted_by_their_address():
    assert sign_in_address("198.51.100.7", None) == "198.51.100.7"
    assert sign_in_address("2001:db8::5", None) == "2001:db8::5"
    # A header the visitor wrote themselves is not believed from a peer that is no proxy.
    assert sign_in_address("198.51.100.7", "10.9.9.9") == "198.51.100.7"


def test_a_visit_from_this_machine_is_not_counted_by_address():
    """Streamlit's dual-stack socket gives ::ffff:127.0.0.1 for a local visit."""
    for peer in ("::ffff:127.0.0.1", "127.0.0.1", "::1", None, ""):
        assert sign_in_address(peer, None) is None


def test_behind_a_proxy_on_this_machine_each_visitor_is_counted_apart():
    assert sign_in_address("::ffff:127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert sign_in_address("::ffff:127.0.0.1", "203.0.113.9") == "203.0.113.9"
    # A visitor who sends their own X-Forwarded-For: the proxy appends the peer it saw,
    # and the rightmost address that is not ours is the one counted.
    assert sign_in_address("127.0.0.1", "1.2.3.4, 198.51.100.7") == "198.51.100.7"
    assert sign_in_address("127.0.0.1", "garbage") is None


def test_a_proxy_on_another_machine_is_trusted_only_when_named(monkeypatch):
    assert sign_in_address("10.0.0.5", "198.51.100.7") == "10.0.0.5"
    trusted = trusted_proxies({"SCORING_TRUSTED_PROXIES": "10.0.0.0/24, 192.0.2.1"})
    assert sign_in_address("10.0.0.5", "198.51.100.7", trusted) == "198.51.100.7"
    assert sign_in_address("192.0.2.1", "198.51.100.7, 10.0.0.8", trusted) == "198.51.100.7"
    assert sign_in_address("10.0.1.5", "198.51.100.7", trusted) == "10.0.1.5"


def test_a_misspelt_proxy_setting_says_which_entry_in_chinese():
    with pytest.raises(ValueError, match=re.escape("「10.0.0.300」不是 IP 地址或网段")):
        trusted_proxies({"SCORING_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.300"})

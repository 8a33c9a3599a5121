from cargotool.server.client_ip import client_ip

PROXIES = ("10.0.0.0/8", "127.0.0.1")


def test_peer_is_used_without_trusted_proxies():
    assert client_ip("203.0.113.7", "1.2.3.4", ()) == "203.0.113.7"


def test_forwarded_for_is_read_only_from_a_trusted_proxy():
    assert client_ip("203.0.113.7", "1.2.3.4", PROXIES) == "203.0.113.7"
    assert client_ip("10.1.2.3", "1.2.3.4", PROXIES) == "1.2.3.4"


def test_the_nearest_untrusted_hop_wins_over_spoofed_left_entries():
    assert client_ip("10.1.2.3", "6.6.6.6, 198.51.100.9, 10.0.0.5", PROXIES) == "198.51.100.9"


def test_all_hops_trusted_falls_back_to_the_peer():
    assert client_ip("127.0.0.1", "10.0.0.1, 10.0.0.2", PROXIES) == "127.0.0.1"

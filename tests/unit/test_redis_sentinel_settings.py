"""REDIS_SENTINELS and friends: parsed strictly, secret kept out of repr, and the one Redis factory (server,
CLI, jobs) builds a Sentinel-managed, bounded pool from them — with REDIS_URL giving only DB and credentials."""

import pytest

from cargotool.bootstrap import embedded_defaults
from cargotool.wiring.storage import redis_target
from cargotool.config import ConfigError, Settings
from cargotool.core.storage.redis import BlockingSentinelPool, connect_redis


def test_sentinels_are_host_port_pairs():
    settings = Settings.from_env({"REDIS_SENTINELS": " 10.0.0.1:26379, sentinel-b:26380 ,[::1]:26381",
                                  "REDIS_SENTINEL_MASTER": "cargotool"})
    assert settings.redis_sentinels == (("10.0.0.1", 26379), ("sentinel-b", 26380), ("::1", 26381))
    assert settings.redis_sentinel_master == "cargotool"
    assert settings.shared_redis  # `serve --workers N` accepts it; no "embedded store" warning
    assert not any("REDIS_URL is not set" in note for note in embedded_defaults(settings))


@pytest.mark.parametrize("value", ["10.0.0.1", "10.0.0.1:port", ":26379", "h:0", "h:70000"])
def test_a_malformed_sentinel_list_names_the_variable(value):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"REDIS_SENTINELS": value})
    assert caught.value.variable == "REDIS_SENTINELS"


def test_without_sentinels_or_url_the_store_is_embedded():
    settings = Settings.from_env({})
    assert settings.redis_sentinels == () and settings.redis_sentinel_master == "mymaster"
    assert not settings.shared_redis
    assert any("REDIS_URL is not set" in note for note in embedded_defaults(settings))


def test_the_sentinel_password_is_a_secret():
    settings = Settings.from_env({"REDIS_SENTINELS": "h:26379", "REDIS_SENTINEL_PASSWORD": "Sx-77-pass"})
    assert "Sx-77-pass" not in repr(settings) and "Sx-77-pass" in settings.secret_values


async def test_sentinels_win_over_the_url_which_gives_db_and_credentials():
    settings = Settings.from_env({"REDIS_SENTINELS": "127.0.0.1:1", "REDIS_SENTINEL_MASTER": "cargotool",
                                  "REDIS_URL": "redis://app:pw@ignored:6379/3", "REDIS_MAX_CONNECTIONS": "7"})
    client = connect_redis(redis_target(settings))
    try:
        pool = client.connection_pool
        assert isinstance(pool, BlockingSentinelPool) and pool.service_name == "cargotool" and pool.is_master
        assert pool.max_connections == 7 and pool.timeout > 0  # a burst waits, as with REDIS_URL alone
        kwargs = pool.connection_kwargs
        assert (kwargs["db"], kwargs["username"], kwargs["password"]) == (3, "app", "pw")
        assert [(s.connection_pool.connection_kwargs["host"], s.connection_pool.connection_kwargs["port"])
                for s in pool.sentinel_manager.sentinels] == [("127.0.0.1", 1)]
    finally:
        await client.aclose()

import re
from pathlib import Path

import pytest

from cargotool.config import SETTINGS_SPEC, ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_embedded():
    settings = Settings.from_env({})
    assert settings.cargotech_base_url == "https://api.cargotech.pro"
    assert settings.cargotech_token_cache_ttl == 86400
    assert settings.redis_url is None
    assert settings.database_url.startswith("sqlite:///")
    assert settings.uses_recorded_cargotech  # no credentials: the recorded sample data


def test_credentials_switch_auto_mode_to_live():
    settings = Settings.from_env({"CARGOTECH_PHONE": "+7 911 000 00 00", "CARGOTECH_PASSWORD": "pw12345"})
    assert not settings.uses_recorded_cargotech


@pytest.mark.parametrize(
    "variable, value",
    [
        ("CARGOTECH_TOKEN_CACHE_TTL", "abc"),
        ("CARGOTECH_TOKEN_CACHE_TTL", "-5"),
        ("CARGOTECH_READ_TIMEOUT", "fast"),
        ("CARGOTECH_BASE_URL", "ftp://example"),
        ("CARGOTECH_UPSTREAM", "sometimes"),
        ("REDIS_URL", "http://localhost"),
        ("DATABASE_URL", "mysql://x"),
        ("LOG_LEVEL", "chatty"),
    ],
)
def test_malformed_value_names_the_variable(variable, value):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({variable: value})
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")


def test_live_without_credentials_is_a_config_error():
    with pytest.raises(ConfigError, match="CARGOTECH_UPSTREAM"):
        Settings.from_env({"CARGOTECH_UPSTREAM": "live"})


def test_repr_hides_secrets():
    settings = Settings.from_env({"CARGOTECH_PHONE": "+7 911 000 00 00", "CARGOTECH_PASSWORD": "hunter2hunter2"})
    text = repr(settings)
    assert "hunter2hunter2" not in text and "911" not in text
    assert "cargotech_password=***" in text


def test_dotenv_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("CARGOTECH_TOKEN_CACHE_TTL=600\nLOG_LEVEL=debug\n")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    settings = Settings.from_env(dotenv=tmp_path / ".env")
    assert settings.cargotech_token_cache_ttl == 600
    assert settings.log_level == "WARNING"


@pytest.mark.parametrize("document", ["README.md", ".env.example"])
def test_every_variable_is_documented(document):
    text = (ROOT / document).read_text()
    missing = [spec.env for spec in SETTINGS_SPEC.values() if not re.search(rf"\b{spec.env}\b", text)]
    assert missing == []

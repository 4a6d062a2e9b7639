"""Settings: the embedded default's files resolve from one data folder, the same from
any working directory."""

import sys

import pytest

from syn0.settings import Settings

FILES = ("SYN0_DATABASE_URL", "SYN0_BROKER_URL", "SYN0_BEAT_SCHEDULE_FILE")


@pytest.fixture
def defaults(monkeypatch):
    for name in ("SYN0_DATA_DIR", *FILES):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_embedded_files_live_in_one_data_folder_made_absolute_once(tmp_path, defaults):
    # given: a relative SYN0_DATA_DIR, read in tmp_path
    defaults.chdir(tmp_path)
    defaults.setenv("SYN0_DATA_DIR", "data")
    settings = Settings()
    # then: every file under its absolute form
    data = tmp_path / "data"
    assert settings.data_dir == data
    assert settings.database_url == f"sqlite:///{data / 'syn0.db'}"
    assert settings.broker_url == f"sqla+sqlite:///{data / 'broker.db'}"
    # and a setting given explicitly wins over the folder
    defaults.setenv("SYN0_DATABASE_URL", "postgresql+psycopg://db/syn0")
    assert Settings().database_url == "postgresql+psycopg://db/syn0"
    assert Settings().broker_url == f"sqla+sqlite:///{data / 'broker.db'}"


@pytest.mark.skipif(sys.platform != "linux", reason="the user's data folder is XDG's on Linux")
def test_the_default_data_folder_is_the_users_whatever_the_working_directory(tmp_path, defaults):
    defaults.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for folder in (tmp_path, tmp_path.parent):
        defaults.chdir(folder)
        settings = Settings()
        assert settings.data_dir == tmp_path / "xdg" / "syn0"
        assert settings.database_url == f"sqlite:///{tmp_path / 'xdg' / 'syn0' / 'syn0.db'}"


@pytest.mark.skipif(sys.platform != "linux", reason="the README's default is Linux's")
def test_the_default_data_folder_is_the_documented_one(tmp_path, defaults):
    defaults.delenv("XDG_DATA_HOME", raising=False)
    defaults.setenv("HOME", str(tmp_path))
    assert Settings().data_dir == tmp_path / ".local" / "share" / "syn0"  # README's table


def test_an_empty_metrics_token_is_no_token(monkeypatch):
    monkeypatch.setenv("SYN0_METRICS_TOKEN", "")  # compose's default when it is unset
    assert Settings().metrics_token is None


def test_log_settings_are_checked_and_a_level_may_be_lower_case(monkeypatch):
    monkeypatch.setenv("SYN0_LOG_LEVEL", "debug")
    monkeypatch.setenv("SYN0_LOG_FORMAT", "json")
    settings = Settings()
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    monkeypatch.setenv("SYN0_LOG_FORMAT", "yaml")
    with pytest.raises(ValueError, match="log_format"):
        Settings()

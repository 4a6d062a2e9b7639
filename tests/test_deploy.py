"""No Docker engine runs here, so the compose file is checked as data: its services,
commands and environment names must agree with the code and with Settings."""

from pathlib import Path

import yaml

from store.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_their_commands():
    services = _compose()["services"]
    # No beat: every worker runs the reaper in a thread (worker/reaper.py).
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    assert services["api"]["command"][:2] == ["uvicorn", "api.app:app"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "worker.app", "worker"]
    assert "ports" not in services["worker"]  # so `--scale worker=4` works
    for name in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in services[name], name


def test_services_start_in_order():
    services = _compose()["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_environment_names_are_settings_and_required_ones_fail_fast():
    services = _compose()["services"]
    fields = {f"SYN0_{name.upper()}" for name in Settings.model_fields}
    for name in ("migrate", "api", "worker"):
        env = services[name]["environment"]
        assert set(env) <= fields, set(env) - fields
        assert env["SYN0_ENVIRONMENT"] == "production"
        assert "${POSTGRES_PASSWORD:?" in env["SYN0_DATABASE_URL"]
        assert env["SYN0_ADMIN_KEY"].startswith("${SYN0_ADMIN_KEY:?")


def test_production_refuses_the_embedded_defaults(monkeypatch):
    monkeypatch.setenv("SYN0_ENVIRONMENT", "production")
    try:
        Settings()
    except ValueError as exc:
        assert "SYN0_DATABASE_URL must name a server database" in str(exc)
    else:
        raise AssertionError("production started on the embedded SQLite default")


def test_dockerfile_copies_every_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("core", "store", "api", "worker", "client", "cli", "web", "migrations"):
        assert f"COPY {package} ./{package}" in dockerfile

"""No Docker engine runs here, so the compose file is checked as data: its services,
commands and environment names must agree with the code and with Settings."""

from pathlib import Path

import yaml

from syn0.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_their_commands():
    services = _compose()["services"]
    # No beat: every worker runs the reaper in a thread (syn0/jobs/reaper.py).
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker", "prometheus"}
    # Prometheus only on request: `docker compose --profile monitoring up`
    assert services["prometheus"]["profiles"] == ["monitoring"]
    assert all("profiles" not in services[name] for name in set(services) - {"prometheus"})
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    assert services["api"]["command"][:3] == ["uvicorn", "--factory", "syn0.api.app:create_app"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "syn0.worker.main:app", "worker"]
    assert "ports" not in services["worker"]  # so `--scale worker=4` works


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


def test_one_image_built_once_and_used_by_every_syn0_service():
    services = _compose()["services"]
    syn0 = ("migrate", "api", "worker")
    assert {services[name]["image"] for name in syn0} == {"syn0:local"}
    assert [name for name in services if "build" in services[name]] == ["migrate"]
    for name in ("api", "worker"):
        assert services[name]["pull_policy"] == "never", name


def test_long_running_services_restart_and_report_their_health():
    services = _compose()["services"]
    for name in ("postgres", "redis", "api", "worker"):
        assert services[name]["restart"] == "unless-stopped", name
        assert "healthcheck" in services[name], name
    assert services["migrate"]["restart"] == "no"


def test_dockerfile_installs_dependencies_before_the_source():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    copies = [i for i, line in enumerate(lines) if line.startswith("COPY")]
    installs = [i for i, line in enumerate(lines) if "pip install" in line]
    assert lines[copies[0]] == "COPY pyproject.toml ./"
    assert installs[0] < copies[1] and lines[copies[1]] == "COPY . /src"
    assert installs[-1] > copies[1]  # the package itself, without its dependencies again
    assert "--no-deps" in lines[installs[-1]]


def test_the_image_runs_the_installed_package_not_a_copy_of_the_source():
    # uvicorn and celery put the working directory first on sys.path: a syn0/ folder
    # there would shadow the installed package, whose api/, core/, ... it lacks
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile and "COPY . ." not in dockerfile
    assert "cp -r /src/alembic.ini /src/migrations . && rm -rf /src" in dockerfile


def test_dockerignore_keeps_environments_data_and_history_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "var", ".git"} <= ignored


def test_the_api_runs_with_the_protocol_that_bounds_request_heads():
    # httptools alone reads a header of any length (issue 11): uvicorn must be told
    command = ["--http", "syn0.api.server:HeadLimitedHttpTools"]
    assert _compose()["services"]["api"]["command"][-2:] == command
    assert '"--http", "syn0.api.server:HeadLimitedHttpTools"]' in (ROOT / "Dockerfile").read_text()


def test_api_and_workers_count_into_one_shared_metrics_folder():
    compose = _compose()
    services = compose["services"]
    folder = services["api"]["environment"]["SYN0_METRICS_DIR"]
    for name in ("api", "worker"):
        assert services[name]["environment"]["SYN0_METRICS_DIR"] == folder
        assert f"metrics:{folder}" in services[name]["volumes"]
    assert "metrics" in compose["volumes"]
    # the image has the folder, owned by its user, so the new volume is writable
    assert f"mkdir -p {folder} && chown -R syn0" in (ROOT / "Dockerfile").read_text()
    assert services["api"]["environment"]["SYN0_LOG_FORMAT"] == "json"


def test_prometheus_scrapes_the_api_with_the_metrics_token():
    compose = _compose()
    prometheus = compose["services"]["prometheus"]
    config_mount = "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"
    assert config_mount in prometheus["volumes"]
    assert compose["secrets"]["metrics_token"] == {"environment": "SYN0_METRICS_TOKEN"}
    assert prometheus["secrets"] == ["metrics_token"]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"] == {
        "type": "Bearer",
        "credentials_file": "/run/secrets/metrics_token",
    }
    assert job["static_configs"] == [{"targets": ["api:8000"]}]

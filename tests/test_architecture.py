"""The import rules of docs/architecture.md, checked in a fresh interpreter each."""

import json
import subprocess
import sys

from tests.services import ROOT


def _imported_after(code: str) -> dict:
    """Run ``code`` in a new interpreter; the modules it imported and the Celery apps
    and SQLAlchemy engines that exist afterwards."""
    probe = f"""
import gc, json, sys
{code}
modules = sorted(sys.modules)
import celery._state, sqlalchemy.engine
print(json.dumps({{
    "modules": modules,
    "celery_apps": len(list(celery._state._apps)),
    "engines": sum(isinstance(o, sqlalchemy.engine.Engine) for o in gc.get_objects()),
}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def _within(module: str, packages: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_the_api_never_imports_the_worker_or_the_training_code():
    state = _imported_after("import syn0.api.app")
    forbidden = {"syn0.worker", "syn0.jobs.tasks", "syn0.jobs.training", "syn0.jobs.running"}
    assert [m for m in state["modules"] if _within(m, forbidden)] == []


def test_nothing_is_built_at_import_time():
    modules = "syn0.api.app, syn0.worker.app, syn0.worker.main, syn0.jobs.tasks, syn0.cli.main"
    state = _imported_after(f"import {modules}")
    assert state["celery_apps"] == 0
    assert state["engines"] == 0


def test_the_core_imports_no_web_queue_or_database_code():
    state = _imported_after("import syn0.core")
    heads = {module.split(".")[0] for module in state["modules"]}
    assert heads.isdisjoint({"sqlalchemy", "fastapi", "starlette", "celery", "redis", "kombu"})


def test_the_client_imports_none_of_the_server():
    state = _imported_after("import syn0.client")
    server = {"syn0.api", "syn0.worker", "syn0.jobs", "syn0.kit", "syn0.datasets", "syn0.models"}
    assert [m for m in state["modules"] if _within(m, server)] == []


def test_the_command_line_imports_no_server_code_until_a_server_command_runs():
    state = _imported_after("import syn0.cli.main")
    heads = {module.split(".")[0] for module in state["modules"]}
    assert heads.isdisjoint({"sqlalchemy", "fastapi", "celery", "alembic", "uvicorn"})

"""The chaos harness itself: private servers and a stack whose processes a test can
break. The recovery scenarios are in test_recovery.py."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.chaos import processes
from tests.chaos.stack import ChaosStack, spec


def _readyz(stack: ChaosStack) -> httpx.Response:
    return stack.client.get("/readyz")


def _wait_status(stack: ChaosStack, status: int, seconds: float = 15) -> httpx.Response:
    deadline = time.monotonic() + seconds
    response = _readyz(stack)
    while response.status_code != status and time.monotonic() < deadline:
        time.sleep(0.1)
        response = _readyz(stack)
    assert response.status_code == status, f"{response.text}\n{stack.logs()}"
    return response


def test_private_servers_are_not_the_machines(private_postgres, private_redis):
    assert private_postgres.port != 5432
    assert private_redis.port != 6379
    assert private_postgres.url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    assert private_redis.url == f"redis://127.0.0.1:{private_redis.port}/0"


def test_a_job_succeeds_on_the_private_stack(chaos_stack):
    job = chaos_stack.submit()
    done = chaos_stack.wait_for(job["id"])
    assert done["status"] == "succeeded", f"{done}\n{chaos_stack.logs()}"
    assert done["model_id"]
    assert done["progress"]["epoch"] == 40


@pytest.mark.parametrize("outage", ["stop", "kill"])
def test_readyz_is_503_while_postgres_is_down_and_200_after(chaos_stack, outage):
    postgres = chaos_stack.postgres
    # given
    assert _readyz(chaos_stack).status_code == 200
    # when
    getattr(postgres, outage)()
    # then: unavailable, said as a problem, not a crash
    down = _wait_status(chaos_stack, 503)
    assert down.headers["content-type"].startswith("application/problem+json"), down.headers
    problem = down.json()
    assert problem["status"] == 503
    assert problem["type"].endswith("service-unavailable"), problem
    assert "database" in problem["detail"], problem
    # when
    postgres.start()
    # then
    _wait_status(chaos_stack, 200)


def test_a_job_submitted_after_redis_restarts_succeeds(chaos_stack):
    # given: the API and the worker hold connections to the broker
    first = chaos_stack.submit()
    assert chaos_stack.wait_for(first["id"])["status"] == "succeeded"
    # when: the broker restarts empty, on the same port
    chaos_stack.redis.restart()
    # then: the API publishes again and the worker consumes again
    job = chaos_stack.submit()
    done = chaos_stack.wait_for(job["id"], timeout=30)
    assert done["status"] == "succeeded", f"{done}\n{chaos_stack.logs()}"


def test_killing_the_pool_child_mid_training_forks_a_new_one(chaos_stack):
    # given
    job = chaos_stack.submit(spec(epochs=300))
    chaos_stack.wait_until_running(job["id"], min_epoch=3)
    main = chaos_stack.main_pid("w1")
    # when
    killed = chaos_stack.kill_worker("w1")
    # then
    fresh = chaos_stack.wait_for_pool_child("w1", replacing=killed)
    assert fresh not in killed
    assert processes.alive(main), chaos_stack.logs()
    assert chaos_stack.main_pid("w1") == main


def test_a_whole_worker_killed_and_restarted_takes_new_jobs(make_stack):
    stack = make_stack(workers=2)
    assert stack.workers == ["w1", "w2"]
    # when
    killed = stack.kill_worker("w1", whole=True)
    # then
    assert not any(processes.alive(pid) for pid in killed)
    assert stack.pool_pids("w2"), stack.logs()
    # when
    stack.start_worker("w1")
    stack.stop_worker("w2")
    # then: only the restarted w1 is left to train
    job = stack.submit()
    assert stack.wait_for(job["id"])["status"] == "succeeded", stack.logs()

"""No job lost, none trained twice: workers, the broker and the database are killed
under running jobs on private PostgreSQL and Redis servers, with the workers' reaper."""

from __future__ import annotations

import time

from celery import Celery

from syn0.core import Network
from tests.chaos.stack import ChaosStack, spec

EPOCHS = 300  # about 2 s of training: long enough to aim a kill at
RECOVERY = {
    "SYN0_HEARTBEAT_SECONDS": 0.5,
    "SYN0_HEARTBEAT_GRACE_SECONDS": 2,
    "SYN0_QUEUED_GRACE_SECONDS": 2,
    "SYN0_REAP_INTERVAL_SECONDS": 1,
    "SYN0_CHECKPOINT_EVERY_EPOCHS": 20,
    "SYN0_CHECKPOINT_MIN_SECONDS": 0,
}


def _weights(stack: ChaosStack, job: dict) -> bytes:
    response = stack.client.get(f"/v1/models/{job['model_id']}/weights")
    assert response.status_code == 200, response.text
    return Network.from_bytes(response.content).params.tobytes()


def _epochs(stack: ChaosStack, job: dict) -> list[int]:
    rows = stack.client.get(f"/v1/jobs/{job['id']}/metrics").json()["items"]
    return [row["epoch"] for row in rows]


def _succeeded(stack: ChaosStack, job_id: str, timeout: float = 60) -> dict:
    done = stack.wait_for(job_id, timeout=timeout)
    assert done["status"] == "succeeded", f"{done}\n{stack.logs()}"
    return done


def _running(stack: ChaosStack) -> list[dict]:
    return stack.client.get("/v1/jobs", params={"status": "running"}).json()["items"]


def test_killed_pool_children_lose_no_job_and_change_no_weight(make_stack):
    # given: the same job once without a kill, then five more to kill mid-training
    stack = make_stack(settings=RECOVERY)
    reference = _succeeded(stack, stack.submit(spec(EPOCHS))["id"])
    jobs = [stack.submit(spec(EPOCHS)) for _ in range(5)]
    # when: each is killed once, at a different epoch
    killed: list[str] = []
    deadline = time.monotonic() + 90
    while len(killed) < len(jobs) and time.monotonic() < deadline:
        running = [j for j in _running(stack) if j["id"] not in killed]
        if running and running[0]["progress"]["epoch"] >= 25 + 40 * len(killed):
            stack.kill_worker("w1")
            killed.append(running[0]["id"])
        time.sleep(0.05)
    assert len(killed) == len(jobs), stack.logs()
    # then: each ends succeeded, one metrics row per epoch, weights bitwise equal
    for job in jobs:
        done = _succeeded(stack, job["id"])
        assert done["attempts"] == 2, done
        assert _epochs(stack, done) == list(range(1, EPOCHS + 1))
        assert _weights(stack, done) == _weights(stack, reference)
    models = stack.client.get("/v1/models", params={"limit": 20}).json()["items"]
    assert sorted(m["job_id"] for m in models) == sorted([reference["id"], *killed])


def test_a_whole_worker_killed_is_requeued_and_finished_by_a_new_worker(make_stack):
    stack = make_stack(settings=RECOVERY)
    job = stack.submit(spec(EPOCHS))
    stack.wait_until_running(job["id"], min_epoch=30)
    # when: main process and child die together; another worker starts
    stack.kill_worker("w1", whole=True)
    killed_at = time.monotonic()
    stack.start_worker("w2")
    requeued = stack.wait_for(job["id"], {"queued", "running", "succeeded"}, timeout=10)
    # then
    done = _succeeded(stack, job["id"])
    assert done["attempts"] == 2, done
    assert done["history"][0]["outcome"].startswith("lost")
    assert time.monotonic() - killed_at < 30, requeued
    assert _epochs(stack, done) == list(range(1, EPOCHS + 1))


def test_jobs_queued_when_redis_restarts_all_finish(make_stack):
    stack = make_stack(settings=RECOVERY)
    first = stack.submit(spec(EPOCHS))
    queued = [stack.submit(spec(40)) for _ in range(3)]
    stack.wait_until_running(first["id"], min_epoch=10)
    # when: the broker restarts empty, losing the queued messages
    stack.redis.restart(hard=True)
    # then: the reaper sends the queued jobs again
    for job in [first, *queued]:
        _succeeded(stack, job["id"])


def test_a_database_outage_is_503_and_loses_no_metric(make_stack):
    stack = make_stack(settings={"SYN0_METRICS_FLUSH_SECONDS": 0})
    job = stack.submit(spec(600))
    stack.wait_until_running(job["id"], min_epoch=20)
    # when: PostgreSQL is down for a few seconds while requests arrive
    stack.postgres.stop()
    statuses = set()
    down_until = time.monotonic() + 3
    while time.monotonic() < down_until:
        statuses.add(stack.client.get(f"/v1/jobs/{job['id']}").status_code)
        statuses.add(stack.client.get("/v1/datasets").status_code)
        time.sleep(0.05)
    stack.postgres.start()
    # then
    assert statuses == {503}, statuses
    done = _succeeded(stack, job["id"])
    assert done["attempts"] == 1
    assert _epochs(stack, done) == list(range(1, 601))


def test_a_duplicate_delivery_trains_once(make_stack):
    stack = make_stack(workers=2, settings=RECOVERY)
    job = stack.submit(spec(EPOCHS))
    sender = Celery(broker=stack.redis.url)
    sender.send_task("jobs.train", args=[job["id"]])
    sender.send_task("jobs.train", args=[job["id"]])
    done = _succeeded(stack, job["id"])
    time.sleep(1)  # let the duplicate deliveries run their claim
    done = stack.job(job["id"])
    assert done["attempts"] == 1, done
    assert _epochs(stack, done) == list(range(1, EPOCHS + 1))


def test_a_job_that_always_crashes_its_worker_fails_after_max_attempts(make_stack):
    stack = make_stack(settings={**RECOVERY, "SYN0_MAX_ATTEMPTS": 2})
    crashing = stack.submit(spec(EPOCHS))
    other = stack.submit(spec(40))
    # when: every attempt of the crashing job takes its worker down
    for attempt in (1, 2):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job = stack.job(crashing["id"])
            if job["status"] == "running" and job["attempts"] == attempt:
                break
            time.sleep(0.05)
        stack.kill_worker("w1")
    # then
    failed = stack.wait_for(crashing["id"], timeout=30)
    assert failed["status"] == "failed", f"{failed}\n{stack.logs()}"
    assert failed["error"]["type"] == "max-attempts"
    assert [a["attempt"] for a in failed["error"]["attempts"]] == [1, 2]
    assert _succeeded(stack, other["id"])["status"] == "succeeded"

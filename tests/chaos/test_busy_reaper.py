"""The reaper with busy workers: two workers train while more jobs wait their turn, one
worker is SIGKILLed mid-training. Its job must be requeued within the heartbeat grace
plus one reap interval, and no job that was merely waiting may be delivered twice."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from tests.chaos.stack import ChaosStack, spec

EPOCHS = 120  # a few seconds of training each, with two workers on a small machine
JOBS = 6  # two train, four wait: the last waits well past the queued grace
GRACE, INTERVAL = 3.0, 1.0
BUSY = {
    "SYN0_HEARTBEAT_SECONDS": 0.5,
    "SYN0_HEARTBEAT_GRACE_SECONDS": GRACE,
    "SYN0_REAP_INTERVAL_SECONDS": INTERVAL,
    "SYN0_QUEUED_GRACE_SECONDS": 2,
    "SYN0_CHECKPOINT_EVERY_EPOCHS": 20,
    "SYN0_CHECKPOINT_MIN_SECONDS": 0,
}
# The last heartbeat precedes the kill, so grace + interval bounds the requeue; the
# slack covers one reaper pass and the polling on a loaded machine.
SLACK = 2.0
RECEIVED = re.compile(r"Task jobs\.train\[[0-9a-f-]+\] received")


def _running(stack: ChaosStack) -> list[dict]:
    return stack.client.get("/v1/jobs", params={"status": "running"}).json()["items"]


def _both_training(stack: ChaosStack, min_epoch: int, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = _running(stack)
        if len(running) == 2 and all(j["progress"]["epoch"] >= min_epoch for j in running):
            return running
        time.sleep(0.05)
    raise AssertionError(f"two jobs not training after {timeout} s\n{stack.logs()}")


def _deliveries(stack: ChaosStack) -> int:
    """``jobs.train`` messages the workers received (Celery logs each at INFO)."""
    logs = [p.read_text(errors="replace") for p in stack.tmp.glob("w*.log")]
    return sum(len(RECEIVED.findall(log)) for log in logs)


def test_a_dead_busy_workers_job_is_requeued_within_grace_and_one_interval(make_stack):
    # given: two workers training, four more jobs waiting in the queue
    stack = make_stack(workers=2, settings=BUSY)
    jobs = [stack.submit(spec(EPOCHS))["id"] for _ in range(JOBS)]
    before = {j["id"] for j in _both_training(stack, min_epoch=10)}
    # when: one worker dies whole (main process and pool child) mid-training
    killed_at = datetime.now(UTC)
    stack.kill_worker("w1", whole=True)
    # then: every job ends succeeded; exactly one of the two was lost, and requeued in time
    done = {job_id: stack.wait_for(job_id, timeout=90) for job_id in jobs}
    assert {j["status"] for j in done.values()} == {"succeeded"}, f"{done}\n{stack.logs()}"
    lost = [j for j in done.values() if j["attempts"] > 1]
    assert len(lost) == 1 and lost[0]["id"] in before, lost
    history = lost[0]["history"]
    assert history[0]["outcome"].startswith("lost"), history
    requeued_after = (datetime.fromisoformat(history[0]["ended_at"]) - killed_at).total_seconds()
    print(f"\nrequeued {requeued_after:.2f} s after the kill; {_deliveries(stack)} deliveries")
    assert requeued_after <= GRACE + INTERVAL + SLACK, f"{requeued_after:.2f} s\n{stack.logs()}"
    # and: no job was delivered twice but the lost one (one attempt each, one message each)
    assert [j["attempts"] for j in done.values()].count(1) == JOBS - 1
    assert _deliveries(stack) == JOBS + 1, stack.logs()

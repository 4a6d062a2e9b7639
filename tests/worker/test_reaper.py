"""The reaper sends a queued job again only once its queue has moved past it."""

from store import attempts, jobs
from store.orm import Job
from tests import tenancy
from tests.worker.test_recovery import _age, _reap_now, _submit, _worker_up


def _claim(factory, job_id):
    with factory.begin() as session:
        return attempts.claim_job(session, job_id)


def _status(factory, job_id):
    with factory() as session:
        return tenancy.job(session, job_id).status


def test_a_job_waiting_behind_a_busy_worker_is_not_sent_again(factory):
    # given: the one worker trains a job sent long ago; another has waited long behind it
    _worker_up(factory)
    training, waiting = _submit(factory), _submit(factory)
    _age(factory, training, 600)
    _claim(factory, training)
    _age(factory, waiting, 300)
    # when
    reaped = _reap_now(factory)
    # then: its message is still in the queue; sending it again would deliver it twice
    assert reaped.to_send == {}
    assert _status(factory, waiting) == "queued"


def test_a_job_no_worker_can_take_now_is_not_sent_again(factory):
    # given: a GPU job queued long ago; a CPU worker, a GPU worker that started 30 s ago
    # (it may not have fetched its first message yet) and one silent for 30 s (gone)
    _worker_up(factory, "cpu@a", "cpu")
    _worker_up(factory, "gpu@b", "gpu", seconds=30)
    _worker_up(factory, "gpu@c", "gpu", silent=30)
    gpu = _submit(factory, device="gpu")
    _age(factory, gpu, 300)
    # when / then: nothing is sent to a queue no worker takes from now
    assert _reap_now(factory).to_send == {}


def test_a_job_the_queue_moved_past_is_sent_again(factory):
    # given: the one worker trains a job sent 100 s after `lost` (taken first, so `lost`
    # is not in the queue) but only 30 s after `close` (the two sends may have raced)
    _worker_up(factory)
    lost, close, later = _submit(factory), _submit(factory), _submit(factory)
    _age(factory, lost, 300)
    _age(factory, close, 230)
    _age(factory, later, 200)
    _claim(factory, later)
    # when
    reaped = _reap_now(factory)
    # then
    assert reaped.to_send == {lost: "cpu"}
    assert _reap_now(factory).to_send == {}  # at most once per grace


def test_a_job_is_sent_again_once_a_free_worker_left_it_for_the_grace(factory):
    # given: two workers, one training a job sent long ago, the other done with a job
    # 10 s ago (it may be fetching the next message right now), and a job queued since
    _worker_up(factory, "w1@host")
    _worker_up(factory, "w2@host")
    training, finished, waiting = _submit(factory), _submit(factory), _submit(factory)
    _age(factory, training, 600)
    _claim(factory, training)
    with factory.begin() as session:
        jobs.cancel_job(session, tenancy.job(session, finished).tenant_id, finished)
    _age(factory, finished, 10, column=Job.finished_at)
    _age(factory, waiting, 300)
    # when / then: not yet
    assert _reap_now(factory).to_send == {}
    # when: the free worker has taken nothing for the grace
    _age(factory, finished, 120, column=Job.finished_at)
    # then: the job is not in the queue
    assert _reap_now(factory).to_send == {waiting: "cpu"}

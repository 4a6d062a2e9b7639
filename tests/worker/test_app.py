"""The Celery settings that recovery relies on, and the per-process BLAS bound."""

import numpy  # noqa: F401 - loads OpenBLAS, as importing worker.tasks does in a worker
from threadpoolctl import threadpool_info, threadpool_limits

from store.settings import get_settings
from worker import app as worker_app


def test_settings_for_long_cpu_jobs():
    conf = worker_app.celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result and conf.accept_content == ["json"]
    assert get_settings().max_runtime_seconds < conf.task_soft_time_limit < conf.task_time_limit
    # The reaper is no scheduled task: its message would wait behind the training jobs.
    assert not conf.beat_schedule


def test_the_redis_visibility_timeout_outlasts_the_hard_time_limit():
    hard = worker_app.celery_app.conf.task_time_limit
    options = worker_app._transport_options("redis://127.0.0.1:6379/0", hard)
    assert options["visibility_timeout"] > hard
    assert worker_app._transport_options("sqla+sqlite:///x.db", hard) == {}


def test_each_pool_process_bounds_its_blas_threads(monkeypatch):
    monkeypatch.setenv("SYN0_WORKER_BLAS_THREADS", "1")
    get_settings.cache_clear()
    try:
        with threadpool_limits(limits=None):  # restores the previous limits afterwards
            worker_app._fresh_process()
            blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
            assert blas and all(pool["num_threads"] == 1 for pool in blas)
    finally:
        get_settings.cache_clear()


def test_gpu_workers_take_only_the_gpu_queue_where_gpu_jobs_are_sent(monkeypatch):
    monkeypatch.setenv("SYN0_WORKER_DEVICE", "gpu")
    get_settings.cache_clear()
    try:
        gpu_app = worker_app.make_celery()
    finally:
        get_settings.cache_clear()
    assert [queue.name for queue in gpu_app.conf.task_queues] == [worker_app.GPU_QUEUE]
    assert worker_app.celery_app.conf.task_queues is None  # CPU workers: the default queue
    assert worker_app.queue_for("gpu") == worker_app.GPU_QUEUE
    assert worker_app.queue_for("cpu") is None

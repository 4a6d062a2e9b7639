"""The Celery settings that recovery relies on, and the per-process BLAS bound."""

import os

import numpy  # noqa: F401 - loads OpenBLAS, as importing the tasks does in a worker
from threadpoolctl import threadpool_info, threadpool_limits

from syn0.dispatch import GPU_QUEUE, queue_for, transport_options
from syn0.settings import Settings
from syn0.worker import app as worker_app


def test_settings_for_long_cpu_jobs():
    settings = Settings()
    conf = worker_app.create_celery(settings).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result and conf.accept_content == ["json"]
    assert settings.max_runtime_seconds < conf.task_soft_time_limit < conf.task_time_limit
    # The reaper is no scheduled task: its message would wait behind the training jobs.
    assert not conf.beat_schedule


def test_the_redis_visibility_timeout_outlasts_the_hard_time_limit():
    hard = worker_app.create_celery(Settings()).conf.task_time_limit
    options = transport_options("redis://127.0.0.1:6379/0", hard)
    assert options["visibility_timeout"] > hard
    assert transport_options("sqla+sqlite:///x.db", hard) == {}


def blas_now() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_each_pool_process_bounds_its_blas_threads():
    # given a prefork worker of two processes on this machine, built as the CLI builds it
    app = worker_app.create_celery(Settings())
    with threadpool_limits(limits=None):  # restores the previous limits afterwards
        app.set_current()
        app.WorkController(hostname="bound@test", pool_cls="prefork", concurrency=2)
        # when a pool child starts
        worker_app._fresh_process()
        # then its BLAS shares the CPUs with the other child
        expected = max(1, len(os.sched_getaffinity(0)) // 2)
        assert app.syn0.blas_threads == expected
        assert blas_now() and all(threads == expected for threads in blas_now())


def test_the_solo_pool_bounds_the_blas_threads_of_its_main_process():
    """The solo pool trains in the worker's main process, where no pool child starts:
    ``SYN0_WORKER_BLAS_THREADS`` holds there too (it was once ignored)."""
    app = worker_app.create_celery(Settings(worker_blas_threads=1))
    with threadpool_limits(limits=None):
        app.WorkController(hostname="solo@test", pool_cls="solo", concurrency=4)
        assert blas_now() and all(threads == 1 for threads in blas_now())


def test_blas_threads_share_the_cpus_among_the_training_processes():
    assert worker_app.blas_threads(None, processes=1, cpus=8) == 8
    assert worker_app.blas_threads(None, processes=3, cpus=8) == 2
    assert worker_app.blas_threads(None, processes=4, cpus=2) == 1  # never none
    assert worker_app.blas_threads(3, processes=4, cpus=2) == 3  # the setting wins


def test_gpu_workers_take_only_the_gpu_queue_where_gpu_jobs_are_sent():
    gpu_app = worker_app.create_celery(Settings(worker_device="gpu"))
    cpu_app = worker_app.create_celery(Settings())
    assert [queue.name for queue in gpu_app.conf.task_queues] == [GPU_QUEUE]
    assert cpu_app.conf.task_queues is None  # CPU workers: the default queue
    assert queue_for("gpu") == GPU_QUEUE
    assert queue_for("cpu") is None


def test_the_tasks_are_registered_by_name():
    app = worker_app.create_celery(Settings())
    assert "jobs.train" in app.tasks and "jobs.reap" not in app.tasks

"""syn0's Celery worker: a thin adapter from a job id to ``core.fit`` through ``store``."""

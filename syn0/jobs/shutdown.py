"""A worker's warm shutdown (SIGTERM, a first Ctrl-C) as the training loop sees it.

Celery finishes the running task before a warm shutdown ends; a training job can run for
hours, so ``syn0.jobs.tasks`` records the request here and the loop (``syn0.jobs.training``) stops
at the end of its epoch, checkpoints, and gives the job back to the queue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

# A job stopped by its worker's shutdown runs on to the end of its epoch, to checkpoint
# there, for at most this long; then it stops at the next batch and resumes from its last
# stored checkpoint. `syn0 serve` gives its worker WORKER_STOP_SECONDS in all.
SHUTDOWN_EPOCH_WAIT_SECONDS = 3.0


@dataclass
class Shutdown:
    """When this process was asked to shut down, if it was. Requested from a signal
    handler, so a request only stores the time."""

    requested_at: float | None = None

    def request(self) -> None:
        if self.requested_at is None:
            self.requested_at = time.monotonic()

    def requested(self) -> bool:
        """Asked after each epoch: stop there, with a checkpoint."""
        return self.requested_at is not None

    def overdue(self, now: float) -> bool:
        """Asked between batches: the epoch did not end in time, stop here."""
        asked = self.requested_at
        return asked is not None and now - asked >= SHUTDOWN_EPOCH_WAIT_SECONDS


SHUTDOWN = Shutdown()

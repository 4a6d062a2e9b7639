"""Events: the transactional outbox of every job status change and alias move, and the
server-sent event streams read from it."""

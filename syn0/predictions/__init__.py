"""Batch predictions: a model over a stored dataset, through the queue."""

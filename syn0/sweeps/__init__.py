"""Hyperparameter sweeps: many jobs over a search space, sent as room allows."""

"""Datasets: upload (JSON, CSV, .npz), generate, list, delete."""

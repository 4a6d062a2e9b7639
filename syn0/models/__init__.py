"""Models: the trained networks, their weights and predict."""

"""The model registry: a tenant's names for models, their numbered versions, aliases
that point at versions (every move kept), and predict by name and alias or version."""

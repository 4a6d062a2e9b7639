"""Tenants and API keys: who may call, with which scopes, within which quotas."""

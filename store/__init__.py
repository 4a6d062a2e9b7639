"""syn0's SQL store: settings, ORM models, sessions and the repository functions.

Every SQL statement of the service lives here. API routes and Celery tasks call
these functions and own the transaction boundary (commit or rollback).
"""

"""Webhooks after the Standard Webhooks specification: endpoints a tenant registers, the
deliveries of outbox events to them (signed, retried by the workers) and their attempts."""

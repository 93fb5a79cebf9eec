"""Keeping background tasks alive: worker heartbeats, and requeueing the tasks of a worker that died."""

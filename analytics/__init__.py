"""In-house page analytics: capture (a buffer in Redis, flushed by a worker), sessions and the
definitions of bounce, exit and funnel (sessions.py), daily aggregation (aggregate.py)."""

"""Campaign reports: figures, their views, names of editions, per-segment figures."""

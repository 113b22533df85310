"""Parse raw inbound mail, classify it, route it."""

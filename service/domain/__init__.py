"""Pure domain logic: no I/O beyond the session handed in."""

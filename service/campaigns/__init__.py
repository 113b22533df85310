"""Campaign services: lifecycle, assembly, fan-out, dispatch, sending, progress."""

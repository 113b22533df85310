"""Reading: parse and classify stored mail (DSN, ARF, RFC 3834, replies); no writes."""

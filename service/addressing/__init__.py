"""What names a subscriber, campaign or inquiry from outside: tokens, sub-addresses, URLs."""

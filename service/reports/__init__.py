"""Reports read campaigns, tracking and inbound; nothing below imports them."""

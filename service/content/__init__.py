"""Announcements and coordinators: the content the comms team writes."""

"""Jinja2 environment, edition rendering, CSS inlining once per edition, the text part."""

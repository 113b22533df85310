"""The newsroom web app: reserved for the web-app work, an entry point beside api and cli."""

"""The embedded broker: kombu's filesystem transport with atomic writes and atomic claims.

kombu's writer creates the message file in the queue folder and only then writes it, so a
reader can list, claim and read it while it is still empty: `JSONDecodeError` and a dead worker
(kombu issue #1551). Here a message is written under `staging/` and renamed into the queue
folder when complete, so a reader only ever sees whole files; a reader claims a file by renaming
it into `claimed/` of the same folder tree (one rename wins, the others get FileNotFoundError)
and deletes it after reading. kombu renames its claims into the system temp folder, which may be
another filesystem, where a move is a copy and two readers can both get the message.
`bench/broker.py` measures both under concurrent writers and readers.
"""

from __future__ import annotations

import os
import time
import uuid
from json import dumps, loads
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes

ALIAS = "newsdesk-fs"


class Channel(filesystem.Channel):
    """Atomic put (write, then rename into the queue) and atomic claim (rename, read, delete)."""

    def _folder(self, option: str) -> str:
        folder = self.transport_options.get(option)
        if not folder:
            folder = str(Path(self.data_folder_in).parent / option.removesuffix("_folder"))
        Path(folder).mkdir(parents=True, exist_ok=True)
        return str(folder)

    # kombu's two base classes name the second argument differently (message, payload)
    def _put(self, queue: Any, message: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Write the whole message under staging/, then rename it into the queue folder."""
        # Zero-padded wall-clock nanoseconds: names sort in publish order across processes.
        name = f"{time.time_ns():020d}_{uuid.uuid4().hex}.{queue}.msg"
        staging = os.path.join(self._folder("staging_folder"), name)
        with open(staging, "wb") as handle:
            handle.write(str_to_bytes(dumps(message)))  # type: ignore[no-untyped-call]
        os.rename(staging, os.path.join(self.data_folder_out, name))

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        """Claim the oldest message of `queue` by renaming it; only one reader can win."""
        wanted = f"{queue}.msg"
        claimed_dir = self._folder("claimed_folder")
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(claimed_dir, f"{os.getpid()}-{name}")
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another reader claimed it first
            with open(claimed, "rb") as handle:
                payload = handle.read()
            os.remove(claimed)
            return loads(bytes_to_str(payload))  # type: ignore[no-untyped-call]
        raise Empty()


class Transport(filesystem.Transport):
    """kombu's filesystem transport with the Channel above."""

    Channel = Channel


def register() -> str:
    """Make `newsdesk-fs://` a kombu transport; returns the alias."""
    TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")
    return ALIAS

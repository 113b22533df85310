"""Embedded broker candidates under concurrent writers and readers: errors, duplicates, losses.

Each candidate gets W writer processes publishing N messages each and R reader processes
draining the queue, through kombu's Connection/SimpleQueue (the path Celery takes). Prints per
candidate: messages/s end to end, reader crashes (e.g. JSONDecodeError on a half-written file,
kombu issue #1551), duplicates and missing messages, beside the same run's ceiling (one writer,
one reader, no contention, on the candidate that holds).

    .venv/bin/python -m bench.broker --writers 3 --readers 3 --messages 3000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from queue import Empty
from typing import Any


def _options(kind: str, root: Path) -> tuple[str, dict[str, Any]]:
    if kind == "sqlite":
        return f"sqla+sqlite:///{root}/broker.sqlite3", {}
    folders = {k: root / k for k in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]), "control_folder": str(folders["control"]),
        "store_processed": False, "polling_interval": 0.01,
    }  # fmt: skip
    return ("filesystem://" if kind == "kombu-fs" else "newsdesk-fs://"), options


def _connection(kind: str, root: Path) -> Any:
    from kombu import Connection

    from workers.fs_broker import register

    register()
    url, options = _options(kind, root)
    return Connection(url, transport_options=options)


def _writer(kind: str, root: Path, start: int, count: int) -> None:
    with _connection(kind, root) as conn:
        queue = conn.SimpleQueue("bench")
        for n in range(start, start + count):
            queue.put({"n": n, "pad": "x" * 2000})
        queue.close()


def _reader(kind: str, root: Path, out: Any, idle_s: float) -> None:
    seen: list[int] = []
    error = ""
    try:
        with _connection(kind, root) as conn:
            queue = conn.SimpleQueue("bench")
            while True:
                try:
                    message = queue.get(timeout=idle_s)
                except Empty:
                    break
                seen.append(int(message.payload["n"]))
                message.ack()
            queue.close()
    except Exception as exc:  # what kills a Celery worker kills this reader
        error = f"{type(exc).__name__}: {exc}"[:200] + "\n" + traceback.format_exc()[-400:]
    out.put((seen, error))


def run(kind: str, writers: int, readers: int, messages: int) -> dict[str, Any]:
    """One candidate, fresh folder; returns the figures."""
    root = Path(tempfile.mkdtemp(prefix=f"broker-{kind}-"))
    _connection(kind, root).close()
    out: Any = mp.Queue()
    started = time.perf_counter()
    procs = [mp.Process(target=_reader, args=(kind, root, out, 3.0)) for _ in range(readers)]
    procs += [
        mp.Process(target=_writer, args=(kind, root, w * messages, messages))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in range(readers)]
    for p in procs:
        p.join(timeout=60)
    elapsed = time.perf_counter() - started - 3.0  # readers wait 3 s idle before stopping
    counts = Counter(n for seen, _ in results for n in seen)
    total = writers * messages
    return {
        "kind": kind,
        "msg_per_s": round(sum(counts.values()) / max(elapsed, 1e-6)),
        "crashed_readers": sum(1 for _, error in results if error),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "missing": total - len(counts),
        "errors": sorted({error.splitlines()[0] for _, error in results if error}),
    }


def main() -> None:
    """Print every candidate's figures and the uncontended ceiling."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--messages", type=int, default=3000, help="per writer")
    parser.add_argument("--kinds", default="kombu-fs,newsdesk-fs,sqlite")
    args = parser.parse_args()
    for kind in args.kinds.split(","):
        print(run(kind, args.writers, args.readers, args.messages), flush=True)
    ceiling = run("newsdesk-fs", 1, 1, args.messages)
    print({"ceiling_one_writer_one_reader": ceiling["msg_per_s"], **ceiling}, flush=True)


if __name__ == "__main__":
    main()

"""The long soak of the embedded defaults: 30 minutes of back-to-back campaigns with inbound
replies and tracking ticks, two `newsdesk worker` processes and `newsdesk beat` from the
installed wheel on SQLite and the filesystem broker. Prints the figures; exits 1 on any
duplicate, miss, lost reply, lost event or dead process.

    .venv/bin/python -m bench.soak --minutes 30
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from tests.acceptance.installed import build_wheel, install
from tests.acceptance.soak import soak
from tests.acceptance.stack import running_stack


def main() -> int:
    """Build and install the wheel, run the stack on embedded defaults, soak, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--readers", type=int, default=50)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="newsdesk-soak-"))
    installed = install(build_wheel(root / "dist"))
    key = root / "dkim" / "private.pem"
    subprocess.run([installed.newsdesk, "dkim", "keygen", "--out", str(key)], check=True,
                   capture_output=True)  # fmt: skip
    with running_stack(
        installed, root, database_url=f"sqlite:///{root}/newsdesk.sqlite3",
        broker_url="filesystem://", redis_url=None, dkim_key=key,
    ) as stack:  # fmt: skip
        figures = soak(stack, seconds=args.minutes * 60, readers=args.readers)
        crashed = [n for n in ("worker-a", "worker-b", "beat") if "Unrecoverable" in stack.log(n)]
    result = {**asdict(figures), "campaign_ids": len(figures.campaign_ids), "crashed": crashed}
    print(json.dumps(result))
    ok = not crashed and figures.duplicates == figures.missing == 0
    shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

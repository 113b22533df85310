"""The product as shipped: a wheel built from this checkout, installed NON-editable into a venv.

The steps are the Dockerfile's (`pip wheel --no-deps`, `pip install -r requirements.lock`,
`pip install --no-deps` of the wheel), so a file the wheel forgets, or a runtime dependency
that only the dev extra brings, fails here as it would in the image. Nothing here imports
`service.*`: the test talks to the installed program only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
# Kept between sessions: the dependency set only changes with the lock file.
CACHE = Path(os.environ.get("NEWSDESK_ACCEPTANCE_CACHE", Path.home() / ".cache/newsdesk-acc"))


@dataclass(frozen=True)
class Installed:
    """A virtual environment holding the installed wheel."""

    venv: Path
    wheel: Path

    @property
    def newsdesk(self) -> str:
        """The console script, as compose runs it."""
        return str(self.venv / "bin" / "newsdesk")

    @property
    def python(self) -> str:
        """The venv's interpreter."""
        return str(self.venv / "bin" / "python")


def build_wheel(out: Path) -> Path:
    """`pip wheel --no-deps .` (the Dockerfile's build step) into `out`; returns the wheel."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("newsdesk-*.whl"):
        old.unlink()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
          "-w", str(out), str(ROOT)])  # fmt: skip
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' scratch, not ours to keep
    (wheel,) = out.glob("newsdesk-*.whl")
    return wheel


def install(wheel: Path) -> Installed:
    """A venv with the locked dependencies (cached by the lock's hash) and this wheel on top.

    With NEWSDESK_ACCEPTANCE_NEWEST=1 the dependencies are instead the newest versions
    pyproject.toml allows (a fresh venv each session), so a release that breaks us shows
    before the lock file is regenerated.
    """
    if os.environ.get("NEWSDESK_ACCEPTANCE_NEWEST"):
        venv = CACHE / f"venv-newest-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]}"
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)])
        _pip(venv, "install", "-q", "--upgrade", "--upgrade-strategy", "eager", str(wheel))
        return Installed(venv, wheel)
    # Per checkout too: two checkouts on one machine must not rebuild one venv under each other.
    deps = _dependency_source(wheel) + str(ROOT).encode()
    venv = CACHE / f"venv-{hashlib.sha256(deps).hexdigest()[:16]}"
    if not (venv / ".deps-installed").exists():
        shutil.rmtree(venv, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(venv)])
        _pip(venv, "install", "-q", *(["-r", str(LOCK)] if LOCK.exists() else [str(wheel)]))
        (venv / ".deps-installed").touch()
    _pip(venv, "install", "-q", "--no-deps", "--force-reinstall", str(wheel))
    return Installed(venv, wheel)


def _dependency_source(wheel: Path) -> bytes:
    """What decides the dependency layer: the lock file, or the wheel's Requires-Dist lines."""
    if LOCK.exists():
        return LOCK.read_bytes()
    with zipfile.ZipFile(wheel) as z:
        (meta,) = (n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        lines = z.read(meta).decode().splitlines()
    return "\n".join(line for line in lines if line.startswith("Requires-Dist")).encode()


def wheel_files(wheel: Path) -> list[str]:
    """Every path inside the wheel."""
    with zipfile.ZipFile(wheel) as z:
        return z.namelist()


def _pip(venv: Path, *args: str) -> None:
    _run([str(venv / "bin" / "python"), "-m", "pip", *args])


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

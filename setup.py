"""Build glue only (metadata lives in pyproject.toml): ship the top-level data folders.

`templates/`, `migrations/` and `alembic.ini` stay at the top of the checkout, where the design
card and Alembic's own CLI want them; the wheel carries a copy under `service/_shipped/`, which
`service.resources` finds first when the package is installed.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("templates", "migrations", "alembic.ini")


class BuildWithData(build_py):
    """build_py that also copies the shipped folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout itself
        target = Path(self.build_lib) / "service" / "_shipped"
        for name in SHIPPED:
            source = Path(name)
            if source.is_dir():
                shutil.copytree(
                    source, target / name, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )  # fmt: skip
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithData})

"""The release build (`make dist`): everything else is in pyproject.toml.

`templates/`, `static/` and `migrations/` live at the repository root (the layout a newcomer reads),
so `build_py` copies them into the package of the wheel: the installed release finds them next to
its code (mvi_challenges.resource_folder) and needs neither the checkout, Node.js nor Babel's tools.
The build refuses to run without the NL Design System CSS and the compiled catalogues, so a release
can never serve unstyled pages or English text under lang="nl".
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PACKAGE = "mvi_challenges"
FOLDERS = ("templates", "static", "migrations")
# Built at packaging time by `make dist` (npm, pybabel), never at install time.
REQUIRED = ("static/vendor/utrecht/design-tokens.css", "static/vendor/utrecht/component-library.css")
# Not the release's: axe-core is the browser tests' accessibility checker, .built a make stamp.
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", ".built", "axe")


def missing_inputs(root: Path) -> list[str]:
    missing = [name for name in REQUIRED if not (root / name).is_file()]
    for catalogue in sorted((root / PACKAGE / "translations").glob("*/LC_MESSAGES/*.po")):
        if not catalogue.with_suffix(".mo").is_file():
            missing.append(str(catalogue.with_suffix(".mo").relative_to(root)))
    return missing


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # `pip install -e .` (make setup): the checkout's own folders are used
        missing = missing_inputs(ROOT)
        if missing:
            raise SystemExit(f"missing {', '.join(missing)}: build the release with `make dist`")
        for folder in FOLDERS:
            target = Path(self.build_lib) / PACKAGE / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / folder, target, ignore=LEFT_OUT)


setup(cmdclass={"build_py": BuildWithResources})

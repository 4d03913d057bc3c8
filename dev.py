#!/usr/bin/env python3
"""The project's two entry commands, needing nothing but Python 3.11+.

    python3 dev.py demo [--port N] [--password P]   start the whole product on a demo district
    python3 dev.py test [pytest args]               run every check: lint, layer contracts, all tests

Both create `.venv/` on first use and (re)install the pinned dependencies whenever `pyproject.toml`
changes, so a fresh clone needs no other set-up step. Any other arguments go to the `gridgov` CLI
(`python3 dev.py serve`, `python3 dev.py grids import FILE` ...).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".gridgov-installed"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> None:
    """Create the virtual environment and install the project with its test extras, once per pyproject."""
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("installing gridgov and its pinned dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True, cwd=ROOT)
    STAMP.write_text(_fingerprint())


BROWSER_PACKAGES = ("chromium", "fonts-wqy-microhei", "libpangoft2-1.0-0")  # Debian's Chromium, a CJK font for the
# screenshots and the brief's PDF, and Pango for WeasyPrint (the brief)


def ensure_browser() -> None:
    """The browser tests drive Debian's Chromium; install it (and a Chinese font) where it is missing and
    we may (root with apt-get). Otherwise say so: the browser tests then skip, or fail under CI=true."""
    import shutil

    has_chromium = Path("/usr/bin/chromium").exists() or shutil.which("chromium")
    has_cjk_font = not shutil.which("fc-list") or subprocess.run(
        ["fc-list", ":lang=zh"], capture_output=True, text=True
    ).stdout.strip()
    if has_chromium and has_cjk_font:
        return
    if os.name == "nt" or not shutil.which("apt-get") or os.geteuid() != 0:
        print("note: Chromium or a CJK font is missing and cannot be installed here; browser tests will not run", flush=True)
        return
    print(f"installing {' '.join(BROWSER_PACKAGES)} for the browser tests ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-q", *BROWSER_PACKAGES], env=env).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", *BROWSER_PACKAGES], env=env)


def run_tests(args: list[str]) -> int:
    ensure_browser()
    steps = [
        [str(BIN / "ruff"), "check", "src", "tests", "bench", "scripts", "dev.py"],
        [str(BIN / "lint-imports")],
        [str(BIN / "mypy")],
        [str(BIN / "python"), "-m", "pytest", *args],
    ]
    for step in steps:
        print("$", " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)), flush=True)
        code = subprocess.run(step, cwd=ROOT).returncode
        if code:
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    ensure_environment()
    if argv[0] == "test":
        return run_tests(argv[1:])
    return subprocess.run([str(BIN / "gridgov"), *argv], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

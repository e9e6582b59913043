"""Headless Chromium for the browser tests: Debian's chromium, driven by Playwright.

Playwright's own browser download is not used (not reachable from every machine);
`make test` installs Debian's package where it can.
"""
import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing():
    """What a browser test lacks here, as phrases for its skip message (empty if nothing)."""
    lacking = []
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        lacking.append(f"Chromium at {CHROMIUM} (install Debian's package: sudo apt-get install -y chromium; "
                       "or set CHROMIUM=/path/to/chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        lacking.append("the playwright Python package (pip install playwright==1.65.2; "
                       "its browser download is not needed)")
    return lacking

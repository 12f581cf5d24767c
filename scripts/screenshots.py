"""Take the README's screenshots from a running demo: `make screenshots` (serves a fresh demo on port 8765).

Usage: python scripts/screenshots.py BASE_URL OUT_DIR — logs in as each persona through the login form and saves
the main pages as PNG, using Debian's Chromium (never a downloaded browser).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "uptake-demo-2026"  # noqa: S105 - the demo personas' published password
SHOTS = [
    ("lead@northwind.example", "/dashboard", "dashboard.png", 1700),
    ("lead@northwind.example", "/", "home-program-lead.png", 1100),
    ("employee@northwind.example", "/", "home-employee.png", 900),
    ("employee@northwind.example", "/catalog", "catalog.png", 1000),
    ("teamlead@northwind.example", "/", "home-team-lead.png", 1000),
    ("legal@northwind.example", "/governance/reviews", "reviews.png", 900),
]


def main(base_url: str, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for email, path, name, height in SHOTS:
            context = browser.new_context(viewport={"width": 1280, "height": height})
            page = context.new_page()
            page.goto(f"{base_url}/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("form[action='/login'] button[type=submit] >> nth=0")
            page.wait_for_url(lambda url: "/login" not in url)
            page.goto(base_url + path, timeout=120_000)
            page.screenshot(path=str(out_dir / name))
            print(f"{out_dir / name}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))

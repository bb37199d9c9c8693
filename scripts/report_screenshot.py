"""Screenshot the interactive HTML report in a given view (the docs' pictures).

    python scripts/report_screenshot.py REPORT.html OUT.png [--view '#theme=price&comments=1']
                                        [--height 1900] [--width 1100]

Opens REPORT.html (written by `feedback report ... -o REPORT.html`) in headless Chromium
(/usr/bin/chromium) at the view the URL hash names, and saves the part of the page from the top
of the "Explore" section down, `--height` pixels tall.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--view", default="")
    parser.add_argument("--height", type=int, default=1900)
    parser.add_argument("--width", type=int, default=1100)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(args.report.resolve().as_uri() + args.view)
        page.wait_for_selector("#explore[data-ready]")
        box = page.locator("#explore").bounding_box()
        assert box is not None
        page.screenshot(path=str(args.out), full_page=True,
                        clip={"x": 0, "y": max(0, box["y"] - 12), "width": args.width, "height": args.height})
        browser.close()


if __name__ == "__main__":
    main()

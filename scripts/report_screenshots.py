"""Screenshots of HTML reports for the README, taken in headless Chromium (Debian's /usr/bin/chromium).

    python scripts/report_screenshots.py REPORT.html OUT.png [--from HEADING] [--height PIXELS] [--view HASH]

--from starts the picture at the first <h2> whose text is HEADING (default: the top of the page);
--height is how much of the page it shows (default 1300 px), at a width of 1100 px. --view opens
the interactive page on a view, e.g. '#segment=Dresses&theme=price&comments=1', and waits until
its Explore section has drawn. The page is opened from its file, as a reader would; it makes no
request (its CSP forbids any).
"""

from __future__ import annotations

import argparse
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
WIDTH = 1100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--from", dest="heading", default=None)
    parser.add_argument("--height", type=int, default=1300)
    parser.add_argument("--view", default="", help="a view of the interactive page: the URL's #hash")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": args.height})
        page.goto(args.html.resolve().as_uri() + (("#" + args.view.lstrip("#")) if args.view else ""))
        page.wait_for_load_state("load")
        if args.view:
            page.wait_for_selector("#explore[data-ready]", timeout=60_000)
        top = 0.0
        if args.heading:
            box = page.locator("h2", has_text=args.heading).first.bounding_box()
            if box is None:
                raise SystemExit(f"no <h2> {args.heading!r} in {args.html}")
            # The box is relative to the viewport, which a view that opens its comments has scrolled.
            top = max(0.0, box["y"] + page.evaluate("window.scrollY") - 12)
        total = page.evaluate("document.body.scrollHeight")
        height = min(args.height, total - top)
        page.screenshot(path=str(args.png), full_page=True, clip={"x": 0, "y": top, "width": WIDTH, "height": height})
        browser.close()
    print(f"{args.png}: {args.png.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""embed_check.py -- opens the embeddable map in headless Chromium and reports what it drew.

    tests/browser/embed_check.py http://127.0.0.1:8080 \\
        'layers=power_points,shelters&center=37.0428,136.9674&zoom=13' [--screenshot /tmp/embed.png]

Prints a JSON report: the page's state, the markers drawn (SVG circles of
power points, shelter icons, outage polygons), the counts the page says it
received, the legend's text, the text of a popup opened by a real mouse click
on a power point, every request the page sent, and console errors and
Content-Security-Policy reports.  tests/integration/test_embed.py asserts on
the same report; run by hand it shows what a person would see.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cdp import Browser  # noqa: E402

COUNT_JS = """(() => {
  const m = document.getElementById('map');
  const q = (s) => document.querySelectorAll(s).length;
  return {
    state: m && m.getAttribute('data-state'),
    bbox: m && m.getAttribute('data-bbox'),
    said: {
      power_points: m && m.getAttribute('data-count-power-points'),
      shelters: m && m.getAttribute('data-count-shelters'),
      outages: m && m.getAttribute('data-count-outages'),
    },
    drawn: {
      power_points: q('.leaflet-overlay-pane path.leaflet-interactive.pm-power'),
      shelters: q('.leaflet-marker-pane .leaflet-marker-icon.pm-shelter'),
      outages: q('path.pm-outage'),
    },
    classes: Array.from(document.querySelectorAll('path.pm-power'))
      .map((p) => Array.from(p.classList).find((c) => /^pm-power-w/.test(c))),
    legend: (document.querySelector('.pm-legend') || {}).textContent || '',
    notice: (document.querySelector('.pm-notice:not([hidden])') || {}).textContent || '',
    tiles: q('.leaflet-tile'),
    leaflet: typeof L !== 'undefined' && L.version,
  };
})()"""

# The centre of the power point circle nearest the middle of the map.
TARGET_JS = """(() => {
  const r = document.getElementById('map').getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  let best = null;
  for (const p of document.querySelectorAll('path.pm-power')) {
    const b = p.getBoundingClientRect();
    const x = b.left + b.width / 2, y = b.top + b.height / 2;
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    if (x > 60 && y > 60 && x < r.right - 260 && y < r.bottom - 60 &&
        (!best || d < best.d)) best = {x, y, d};
  }
  return best;
})()"""


def check(base, query, screenshot=None, width=1000, height=700, click=True, timeout=30):
    url = base.rstrip("/") + "/embed" + ("?" + query if query else "")
    with Browser(timeout=timeout) as b:
        page = b.new_page(width, height)
        page.goto(url, timeout=timeout)
        page.wait_for("(() => { const m = document.getElementById('map');"
                      " return m && ['ready', 'error', 'zoom-in']"
                      ".includes(m.getAttribute('data-state')); })()", timeout=timeout)
        report = page.eval(COUNT_JS)
        report["url"] = url
        report["popup"] = None
        if click and report["drawn"]["power_points"]:
            t = page.eval(TARGET_JS)
            if t:
                page.click(t["x"], t["y"])
                try:
                    report["popup"] = page.wait_for(
                        "(document.querySelector('.leaflet-popup-content') || {}).textContent",
                        timeout=5)
                except Exception:
                    report["popup"] = None
        time.sleep(0.3)                # let the popup's fade-in finish before the picture
        if screenshot:
            page.screenshot(screenshot)
            report["screenshot"] = screenshot
        report["requests"] = page.requests()
        report["problems"] = page.problems()
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base", help="the daemon, e.g. http://127.0.0.1:8080")
    ap.add_argument("query", nargs="?", default="", help="the /embed query string")
    ap.add_argument("--screenshot")
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--height", type=int, default=700)
    ap.add_argument("--no-click", action="store_true")
    a = ap.parse_args()
    report = check(a.base, a.query, a.screenshot, a.width, a.height, not a.no_click)
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0 if report["state"] == "ready" and not report["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())

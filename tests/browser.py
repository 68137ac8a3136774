"""A real browser for the report tests: headless Chromium from Debian's packages, driven by Playwright.

`python -m tests.browser` (run by `make test`) installs `chromium` and `fonts-noto-cjk` with apt-get
when either is missing — a CI machine may have nothing installed; Playwright's own browser download
is not reachable. The tests call `ensure_chromium()` too, so a plain `pytest` works the same way.

`offline_page()` opens a page that may load file:// and data: URLs only: every other request is
aborted and recorded, and the test fails on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
PACKAGES = ("chromium", "fonts-noto-cjk")
CJK_FONT = "Noto Sans CJK SC"


def _cjk_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return CJK_FONT in out


def ensure_chromium() -> Path:
    """Chromium and a CJK font, installed from Debian's packages when missing (needs root, as on CI)."""
    if CHROMIUM.exists() and _cjk_font_installed():
        return CHROMIUM
    if os.geteuid() != 0:
        raise RuntimeError(f"{CHROMIUM} or the {CJK_FONT} font is missing: run "
                           f"`sudo apt-get install -y {' '.join(PACKAGES)}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    if not (CHROMIUM.exists() and _cjk_font_installed()):
        raise RuntimeError(f"apt-get installed {PACKAGES} but {CHROMIUM} or {CJK_FONT} is still missing")
    return CHROMIUM


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (Playwright's sync API) on the Debian binary."""
    from playwright.sync_api import sync_playwright

    ensure_chromium()
    with sync_playwright() as p:
        # root (CI) cannot use Chromium's sandbox; the pages are our own files
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Requests:
    allowed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@contextmanager
def offline_page(browser, width: int = 1200, height: int = 900) -> Iterator[tuple[object, Requests]]:
    """A page whose every request is routed: file:// and data: go through, anything else is aborted
    and listed in `Requests.refused`."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                  locale="zh-CN", service_workers="block")
    seen = Requests()

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:")):
            seen.allowed.append(url)
            r.continue_()
        else:
            seen.refused.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: None if req.url.startswith(("file://", "data:")) or req.url in seen.refused
            else seen.refused.append(req.url))
    try:
        yield page, seen
    finally:
        context.close()


# Widths of CJK text in the page's own font, in the CJK font, and of as many characters that no font
# has (private use: the browser draws its missing-glyph box). Text drawn with boxes would measure
# like the last; text drawn from the CJK font measures like the second.
GLYPH_WIDTHS_JS = """
([selector, cjkFont]) => {
  const el = document.querySelector(selector);
  const text = [...el.textContent].filter(ch => /[\\u4e00-\\u9fff]/.test(ch)).join('');
  const style = getComputedStyle(el);
  const ctx = document.createElement('canvas').getContext('2d');
  const measure = (family) => { ctx.font = `${style.fontWeight} ${style.fontSize} ${family}`; return ctx; };
  const page = measure(style.fontFamily).measureText(text).width;
  const cjk = measure(`"${cjkFont}"`).measureText(text).width;
  const boxes = measure(style.fontFamily).measureText('\\ue000'.repeat([...text].length)).width;
  return {text, page, cjk, boxes, family: style.fontFamily};
}
"""


def glyph_widths(page, selector: str) -> dict:
    return page.evaluate(GLYPH_WIDTHS_JS, [selector, CJK_FONT])


def platform_fonts(page, selector: str) -> dict[str, int]:
    """The fonts Chromium really drew an element's text with (DevTools' CSS.getPlatformFontsForNode):
    family → glyphs drawn."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {f["familyName"]: f["glyphCount"] for f in fonts}


if __name__ == "__main__":
    print(f"chromium: {ensure_chromium()}", file=sys.stderr)

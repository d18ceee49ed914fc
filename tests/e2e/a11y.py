"""Accessibility checks for the browser tests: axe-core (via ``axe-playwright-python``, which
ships axe's JavaScript) at a desktop and a phone width, plus the page must not scroll sideways
on the phone.

``assert_accessible(page, "studio")`` checks the page as it is now at 1280 px and at 390 px (the
viewport is put back afterwards) and fails, listing every problem, on a *serious* or *critical*
axe violation or on horizontal scroll at 390 px. Journeys call it through the ``accessible``
fixture (tests/e2e/conftest.py) on each page they visit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = (DESKTOP, PHONE)
FAIL_IMPACTS = frozenset({"serious", "critical"})
# axe options: every WCAG 2.x A/AA rule plus axe's best practices, violations only.
AXE_OPTIONS: dict[str, Any] = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}

_axe: Any = None


def _axe_runner() -> Any:
    global _axe  # one parsed copy of axe.min.js for the session
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    return _axe


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical axe violations on the page as it is now.

    axe's script (570 kB) is put into the document only when it is not there yet: the checks
    at both widths of one page share it (``Axe.run`` would send and compile it each time)."""
    if not page.evaluate("() => typeof window.axe === 'object' && !!window.axe.run"):
        page.evaluate(_axe_runner().axe_script)
    response = page.evaluate("(options) => window.axe.run(document, options)", AXE_OPTIONS)
    return [v for v in response["violations"] if v.get("impact") in FAIL_IMPACTS]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def _describe(violation: dict[str, Any]) -> str:
    targets = [", ".join(map(str, node.get("target", []))) for node in violation["nodes"][:5]]
    more = len(violation["nodes"]) - len(targets)
    where = "; ".join(targets) + (f" (+{more} more)" if more > 0 else "")
    return f"{violation['impact']} {violation['id']}: {violation['help']} — at {where}"


# Resolves after two frames (the resize event has run and the layout has been drawn since), or
# after 100 ms in a page that draws no frames.
SETTLE_JS = """() => new Promise(done => {
  requestAnimationFrame(() => requestAnimationFrame(done));
  setTimeout(done, 100);
})"""


def problems(page: Page, *, widths: tuple[dict[str, int], ...] = WIDTHS) -> list[str]:
    """Every accessibility problem of the page at each width; the viewport is restored.

    The width the page already has is checked first, so a check costs one resize (and the
    one back)."""
    found: list[str] = []
    original = page.viewport_size
    current = original
    try:
        for size in sorted(widths, key=lambda size: size != original):
            if size != current:
                page.set_viewport_size(size)
                current = size
            page.evaluate(SETTLE_JS)
            found += [f"{size['width']}px {_describe(v)}" for v in axe_violations(page)]
            if size["width"] <= PHONE["width"]:
                overflow = horizontal_overflow(page)
                if overflow > 0:
                    wide = page.evaluate(WIDEST_ELEMENTS_JS)
                    found.append(
                        f"{size['width']}px horizontal scroll: the page is {overflow}px too wide "
                        f"(widest: {wide})"
                    )
    finally:
        if original is not None and current != original:
            page.set_viewport_size(original)
    return found


def assert_accessible(page: Page, name: str = "") -> None:
    found = problems(page)
    label = name or page.url
    assert not found, f"accessibility problems on {label}:\n  " + "\n  ".join(found)


# The elements that stick out past the viewport's right edge (to say what to fix).
WIDEST_ELEMENTS_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1) {
      let inScroller = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (['auto', 'scroll'].includes(style.overflowX)) { inScroller = true; break; }
      }
      const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
      if (!inScroller) out.push(name + ' ' + Math.round(box.right) + 'px');
    }
  }
  return out.slice(0, 6).join(', ');
}
"""

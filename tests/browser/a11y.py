"""Accessibility checks run inside the page: axe-core, sideways scrolling, focus rings."""

from __future__ import annotations

from functools import cache

import pytest

from tests.browser.pw import Page
from webapp import PROJECT_ROOT

AXE_PATH = PROJECT_ROOT / ".node" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
PHONE_WIDTH = 375


@cache
def _axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.skip(f"axe-core is not installed at {AXE_PATH}: run `make node-deps`")
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core on the current page; every violation with its impact and nodes."""
    # page.evaluate goes through the DevTools protocol, which the page's
    # Content-Security-Policy (script-src 'self') does not govern, whereas
    # add_script_tag would insert an inline <script> that the policy rightly blocks.
    # So axe runs against the real headers, with nothing relaxed.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }"""
    )


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = (node["summary"] or "").replace("\n", " ")
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the current page (contrast included)."""
    violations = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not violations, f"axe-core on {page.url}:\n{_describe(violations)}"


def assert_no_sideways_scroll(page: Page, width: int = PHONE_WIDTH) -> None:
    """The page is no wider than the viewport."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px > {width}px"


def assert_labelled_inputs(page: Page) -> None:
    """Every visible form control has an accessible name from a label (not a placeholder)."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea")]
            .filter(el => !["hidden", "submit", "button", "reset", "image"].includes(el.type))
            .filter(el => el.offsetParent !== null)
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-labelledby"))
            .map(el => el.outerHTML)"""
    )
    assert not unlabelled, f"inputs without a label on {page.url}: {unlabelled}"


def focus_ring(page: Page) -> dict:
    """The focused element and how its focus is drawn (outline and box-shadow)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name"),
                text: (el.innerText || el.value || "").trim().slice(0, 60),
                outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                boxShadow: style.boxShadow, inMain: el.closest("main") !== null,
            };
        }"""
    )


def assert_focus_visible(page: Page) -> dict:
    """The focused element draws a visible focus indicator; returns what is focused."""
    ring = focus_ring(page)
    assert ring["tag"] != "body", f"nothing is focused on {page.url}"
    visible_outline = ring["outlineStyle"] != "none" and ring["outlineWidth"] >= 2
    assert visible_outline or ring["boxShadow"] != "none", f"no visible focus on {ring}"
    return ring


def tab_until(page: Page, wanted, *, backwards: bool = False, limit: int = 40) -> dict:
    """Press Tab (or Shift+Tab) until `wanted(focus)` holds; every stop must show its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        ring = assert_focus_visible(page)
        if wanted(ring):
            return ring
    raise AssertionError(f"not reachable with {key} within {limit} presses on {page.url}")

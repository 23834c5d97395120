"""Playwright's sync API for the browser tests.

Test modules import it from here, never from playwright directly: where Playwright cannot be
imported, importing this module skips the importing test module with a clear reason,
instead of failing its collection.
"""

from __future__ import annotations

import pytest

_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python cannot be imported: browser tests skipped"
)

BrowserContext = _api.BrowserContext
Page = _api.Page
expect = _api.expect

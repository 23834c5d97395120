"""sitemap.xml with every language version of each page (xhtml:link hreflang), from
plain values (no request)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from webapp.syndication.xmltext import child, serialise, timestamp

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


@dataclass(frozen=True)
class SitemapPage:
    """A page in every language: (language, absolute URL) pairs, the default first."""

    urls: tuple[tuple[str, str], ...]
    last_modified: datetime | None = None


def sitemap_document(pages: list[SitemapPage]) -> bytes:
    """One <url> per language version, each listing all versions and x-default."""
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("xhtml", XHTML)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for page in pages:
        for _, url in page.urls:
            element = child(root, f"{{{SITEMAP}}}url")
            child(element, f"{{{SITEMAP}}}loc", url)
            if page.last_modified is not None:
                child(element, f"{{{SITEMAP}}}lastmod", timestamp(page.last_modified))
            for language, alternate in page.urls:
                child(
                    element, f"{{{XHTML}}}link", rel="alternate", hreflang=language, href=alternate
                )
            child(
                element,
                f"{{{XHTML}}}link",
                rel="alternate",
                hreflang="x-default",
                href=page.urls[0][1],
            )
    return serialise(root)

"""The Atom feed (RFC 4287) of upcoming events, built from plain values (no request)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from webapp.syndication.xmltext import child, serialise, timestamp

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class AtomEntry:
    """One event as a feed entry, ready to write."""

    id: str
    title: str
    title_language: str
    url: str
    ics_url: str
    published: datetime
    updated: datetime
    summary: str
    author: str


@dataclass(frozen=True)
class AtomFeed:
    """The feed's own facts."""

    id: str
    title: str
    language: str
    self_url: str
    page_url: str
    updated: datetime
    generator: str


def _entry(feed: ET.Element, entry: AtomEntry, language: str) -> None:
    element = child(feed, f"{{{ATOM}}}entry")
    child(element, f"{{{ATOM}}}id", entry.id)
    title = child(element, f"{{{ATOM}}}title", entry.title, type="text")
    if entry.title_language != language:
        title.set(XML_LANG, entry.title_language)
    child(element, f"{{{ATOM}}}updated", timestamp(entry.updated))
    child(element, f"{{{ATOM}}}published", timestamp(entry.published))
    child(element, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=entry.url)
    child(element, f"{{{ATOM}}}link", rel="related", type="text/calendar", href=entry.ics_url)
    child(element, f"{{{ATOM}}}summary", entry.summary, type="text")
    author = child(element, f"{{{ATOM}}}author")
    child(author, f"{{{ATOM}}}name", entry.author)


def feed_document(feed: AtomFeed, entries: list[AtomEntry]) -> bytes:
    """The feed as UTF-8 XML; every text is escaped by ElementTree."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: feed.language})
    child(root, f"{{{ATOM}}}id", feed.id)
    child(root, f"{{{ATOM}}}title", feed.title, type="text")
    child(root, f"{{{ATOM}}}updated", timestamp(feed.updated))
    child(root, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=feed.self_url)
    child(root, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=feed.page_url)
    child(root, f"{{{ATOM}}}generator", feed.generator)
    for entry in entries:
        _entry(root, entry, feed.language)
    return serialise(root)

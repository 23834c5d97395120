"""XML documents built with ElementTree, which escapes text and attributes itself."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

# Characters XML 1.0 cannot carry at all, even escaped.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: str | None) -> str:
    """`value` without the characters XML 1.0 cannot carry."""
    return NOT_IN_XML.sub("", value or "")


def child(parent: ET.Element, tag: str, value: str | None = None, **attributes) -> ET.Element:
    """A sub-element with (escaped) text and attributes."""
    element = ET.SubElement(parent, tag, {k: text(v) for k, v in attributes.items()})
    if value is not None:
        element.text = text(value)
    return element


def timestamp(moment: datetime) -> str:
    """An RFC 3339 / W3C datetime in UTC, to the second: '2027-02-28T17:00:00Z'."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def serialise(root: ET.Element) -> bytes:
    """The document as UTF-8 with its XML declaration."""
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

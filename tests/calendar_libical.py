"""Check iCalendar files with libical (Evolution's and GNOME Calendar's parser), via GObject.

Run by the system Python, which has Debian's bindings (python3-gi, gir1.2-ical-3.0):
    /usr/bin/python3 calendar_libical.py  < JSON array of file texts
Prints, for each file, whether libical parsed it into a VCALENDAR, whether it passes
libical's restriction check (RFC 5545 property counts, and RFC 5546's per METHOD: a
METHOD:PUBLISH without ORGANIZER fails), and every error libical noted while parsing or
checking (its X-LIC-ERROR properties). Exits with 3 when the bindings are missing.
"""

import json
import sys

try:
    import gi

    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib
except (ImportError, ValueError) as exc:
    print(f"libical's GObject bindings are not installed: {exc}", file=sys.stderr)
    sys.exit(3)


def errors_in(component) -> list:
    """Every X-LIC-ERROR text in the component and its subcomponents."""
    found = []
    kind = ICalGLib.PropertyKind.XLICERROR_PROPERTY
    prop = component.get_first_property(kind)
    while prop is not None:
        found.append(prop.get_xlicerror())
        prop = component.get_next_property(kind)
    any_kind = ICalGLib.ComponentKind.ANY_COMPONENT
    sub = component.get_first_component(any_kind)
    while sub is not None:
        found.extend(errors_in(sub))
        sub = component.get_next_component(any_kind)
    return found


def check(text: str) -> dict:
    try:
        component = ICalGLib.Component.new_from_string(text)
    except TypeError:  # the bindings' way of saying that libical returned nothing
        component = None
    if component is None or component.isa() != ICalGLib.ComponentKind.VCALENDAR_COMPONENT:
        return {"parsed": False, "restrictions_met": False, "errors": ["not a VCALENDAR"]}
    restrictions_met = bool(ICalGLib.restriction_check(component))
    return {"parsed": True, "restrictions_met": restrictions_met, "errors": errors_in(component)}


print(json.dumps([check(text) for text in json.load(sys.stdin)]))

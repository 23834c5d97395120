// Parse iCalendar files with Mozilla's ical.js (Thunderbird's parser) and print what it sees.
// Usage: node calendar_icaljs.mjs <path to ical.js/dist/ical.js>  < JSON array of file texts
// ical.js has no zone database of its own: a TZID resolves only to the file's VTIMEZONE,
// so the UTC times printed here are computed from that VTIMEZONE alone.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const ICAL = (await import(pathToFileURL(process.argv[2]).href)).default;
const files = JSON.parse(readFileSync(0, "utf8"));

function utc(time) {
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

function describe(text) {
  const calendar = ICAL.Component.fromString(text);
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const prop = (name) => vevent.getFirstPropertyValue(name);
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      location: event.location,
      url: prop("url"),
      status: prop("status"),
      sequence: event.sequence,
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      start: utc(event.startDate),
      end: utc(event.endDate),
      start_offset: event.startDate.utcOffset(),
      end_offset: event.endDate.utcOffset(),
      organizer: prop("organizer"),
      attendees: event.attendees.map((a) => ({
        value: a.getFirstValue(),
        cn: a.getParameter("cn"),
        partstat: a.getParameter("partstat"),
        rsvp: a.getParameter("rsvp"),
      })),
      alarms: vevent.getAllSubcomponents("valarm").length,
      property_names: vevent.getAllProperties().map((p) => p.name),
    };
  });
  return {
    method: calendar.getFirstPropertyValue("method"),
    timezones: calendar.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")),
    events,
  };
}

process.stdout.write(JSON.stringify(files.map(describe)));

"""Organisers' announcements rendered into personal messages, one per recipient.

The organiser writes Markdown with placeholders ({first_name}, {manage_link}, ...). The
HTML part is the Markdown rendered with each recipient's values escaped into the
placeholders (so a name never becomes markup), then sanitised by nh3 as a whole, so a
value filled into a link is URL-checked like the rest; the text part
is the Markdown source with the values filled in. The organiser's words stay as written;
the frame around them is in the recipient's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import markdown
import nh3
import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy import orm

from webapp import i18n
from webapp.events.models import Event
from webapp.extensions import db
from webapp.mail import content, messages
from webapp.mail.models import OutboxMessage
from webapp.registration.models import Registration
from webapp.text import one_line

PLACEHOLDERS = ("first_name", "last_name", "manage_link", "event_title")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
KIND = messages.MessageKind.ANNOUNCEMENT


@dataclass(frozen=True)
class Letter:
    """What the organiser wrote: a subject and a Markdown body, placeholders unfilled."""

    subject: str
    body: str


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in `text` that Convene cannot fill, in order of appearance."""
    found = [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    return list(dict.fromkeys(found))


_CODE_TAGS = frozenset({"script", "style", "iframe", "object", "embed"})
_CODE_SCHEMES = ("javascript:", "vbscript:", "data:")
_IGNORED_IN_URL = re.compile(r"[\s\x00-\x1f]+")


class _ActiveContent(HTMLParser):
    """Finds in rendered HTML what would run code: nh3 strips it, and the organiser should
    know that rather than see it vanish."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CODE_TAGS:
            self.found = True
        for name, value in attrs:
            url = _IGNORED_IN_URL.sub("", value or "").lower()
            if name.startswith("on") or url.startswith(_CODE_SCHEMES):
                self.found = True


def has_active_content(body: str) -> bool:
    """Whether the body, rendered from Markdown, holds a script, a style, an event handler
    or a script URL; prose that merely mentions them ("online = free") is no markup."""
    parser = _ActiveContent()
    parser.feed(markdown.markdown(body))
    parser.close()
    return parser.found


def _fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def body_html(body: str, values: dict[str, str]) -> Markup:
    """The body as sanitised HTML with the (escaped) values in its placeholders."""
    html = markdown.markdown(body)
    filled = _fill(html, {name: str(escape(value)) for name, value in values.items()})
    # Cleaned after filling: a value such as "javascript:..." in a link loses its href.
    return Markup(nh3.clean(filled))  # noqa: S704 (sanitised by nh3)


def personal_values(registration: Registration, facts: content.EventFacts) -> dict[str, str]:
    """One recipient's placeholder values, in their language."""
    return {
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "manage_link": messages.manage_url(registration, facts.language),
        "event_title": facts.title,
    }


def render(letter: Letter, registration: Registration, facts: content.EventFacts) -> dict:
    """Subject and both bodies of the letter for one recipient (in their language)."""
    values = personal_values(registration, facts)
    with i18n.language(facts.language):
        context = {
            "event": facts,
            "body_text": _fill(letter.body, values).strip(),
            "body_html": body_html(letter.body, values),
            "manage_url": values["manage_link"],
        }
        text, html = messages.render_kind(KIND, context, facts.language)
    return {"subject": one_line(_fill(letter.subject, values), 300), "text": text, "html": html}


def dedupe_prefix(announcement_id: int) -> str:
    """The start of the dedupe keys of one announcement's messages (one per registration)."""
    return f"announcement:{announcement_id}:"


def _values(
    letter: Letter, registration: Registration, facts: messages.EventFactsByLanguage, key: str
) -> dict[str, Any]:
    language = i18n.supported(registration.language)
    rendered = render(letter, registration, facts[language])
    event = registration.event
    return {
        **messages.envelope(
            KIND,
            registration.email,
            registration.full_name,
            content.reply_to(event),
            language=language,
        ),
        "subject": rendered["subject"],
        "text_body": rendered["text"],
        "html_body": rendered["html"],
        "event_id": event.id,
        "registration_id": registration.id,
        "dedupe_key": f"{key}{registration.id}",
    }


def queue_letter(event: Event, letter: Letter, ids: list[int], *, announcement_id: int) -> None:
    """Insert one personal message per registration id, a chunk per statement (no commit);
    each row's dedupe key names the announcement and the registration, so no one ever gets
    the same announcement twice."""
    key = dedupe_prefix(announcement_id)
    facts = messages.EventFactsByLanguage(event)
    for start in range(0, len(ids), messages.CHUNK):
        registrations = db.session.scalars(
            sa.select(Registration)
            .where(Registration.id.in_(ids[start : start + messages.CHUNK]))
            .order_by(Registration.id)
            .options(orm.lazyload(Registration.event))  # the event is already loaded
        ).all()
        rows = [_values(letter, r, facts, key) for r in registrations]
        db.session.execute(sa.insert(OutboxMessage), rows)
    if ids:
        messages.note_queued()

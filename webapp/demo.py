"""`flask demo load`: realistic demo events, dated in the future, keeping their local times."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from webapp import audit
from webapp.db import begin_write, now_utc
from webapp.events.models import Event, EventFormat, EventKind, EventStatus, EventTranslation
from webapp.extensions import db
from webapp.organiser import accounts
from webapp.organiser.models import Organiser

demo_cli = AppGroup("demo", help="Demo data for trying Convene out.")

# Addresses on a domain reserved for examples (RFC 2606), which Convene's own forms accept:
# demo data passes the same validation as what an organiser types.
DEMO_ADMIN_EMAIL = "admin@example.org"
DEMO_CONTACT_EMAIL = "events@example.org"
# What earlier demo data used (.localhost, which the forms refuse); `demo load` moves them.
LEGACY_ADDRESSES = {
    "admin@convene.localhost": DEMO_ADMIN_EMAIL,
    "events@convene.localhost": DEMO_CONTACT_EMAIL,
}


@dataclass(frozen=True)
class DemoEvent:
    slug: str
    title: str
    kind: EventKind
    format: EventFormat
    timezone: str
    month_day: tuple[int, int] | None  # next occurrence of this date; None: relative
    start: time
    end: time
    days: int = 1
    summary: str = ""
    description: str = ""
    venue: dict = field(default_factory=dict)
    capacity: int | None = None
    online_url: str = ""
    days_from_today: int = 0
    # Title, summary and description in the site's other languages (the main one is English).
    translations: dict[str, tuple[str, str, str]] = field(default_factory=dict)


DEMO_EVENTS = (
    DemoEvent(
        slug="greater-copenhagen-cluster-summit",
        title="Greater Copenhagen Cluster Summit",
        kind=EventKind.SUMMIT,
        format=EventFormat.IN_PERSON,
        timezone="Europe/Stockholm",
        month_day=(5, 8),
        start=time(9, 0),
        end=time(17, 30),
        summary="A day of cluster managers, regions and companies from across the Øresund region.",
        description=(
            "The **Greater Copenhagen Cluster Summit** brings together cluster organisations "
            "from Skåne and Zealand.\n\n- Keynotes on cross-border collaboration\n"
            "- Matchmaking sessions\n- Site visits in Malmö"
        ),
        venue={
            "venue_name": "Malmö Live Konserthus",
            "address": "Dag Hammarskjölds torg 4",
            "city": "Malmö",
            "country": "SE",
        },
        capacity=300,
        translations={
            "da": (
                "Greater Copenhagen Klyngetopmøde",
                "En dag for klyngeledere, regioner og virksomheder fra hele Øresundsregionen.",
                "**Greater Copenhagen Klyngetopmøde** samler klyngeorganisationer fra Skåne "
                "og Sjælland.\n\n- Oplæg om samarbejde på tværs af Øresund\n"
                "- Matchmaking mellem virksomheder og klynger\n- Virksomhedsbesøg i Malmö",
            ),
            "sv": (
                "Greater Copenhagen Klustertoppmöte",
                "En dag för klusterledare, regioner och företag från hela Öresundsregionen.",
                "**Greater Copenhagen Klustertoppmöte** samlar klusterorganisationer från "
                "Skåne och Själland.\n\n- Föredrag om samarbete över Öresund\n"
                "- Matchmaking mellan företag och kluster\n- Studiebesök i Malmö",
            ),
        },
    ),
    DemoEvent(
        slug="smart-specialisation-evidence-based-implementation",
        title="Smart specialisation – evidence based implementation in the EU",
        kind=EventKind.WEBINAR,
        format=EventFormat.ONLINE,
        timezone="Europe/Brussels",
        month_day=(2, 28),
        start=time(18, 0),
        end=time(19, 30),
        summary="How regions use evidence to implement their smart specialisation strategies.",
        description="A webinar on monitoring, evaluation and evidence in RIS3 implementation.",
        online_url="https://meet.example.org/s3-evidence",
        capacity=500,
        translations={
            "da": (
                "Smart specialisering – evidensbaseret gennemførelse i EU",
                "Sådan bruger regioner evidens til at gennemføre deres strategier for smart "
                "specialisering.",
                "Et webinar om overvågning, evaluering og evidens i gennemførelsen af RIS3.",
            ),
            "de": (
                "Intelligente Spezialisierung – evidenzbasierte Umsetzung in der EU",
                "Wie Regionen Evidenz nutzen, um ihre Strategien für intelligente "
                "Spezialisierung umzusetzen.",
                "Ein Webinar zu Monitoring, Evaluierung und Evidenz bei der Umsetzung von RIS3.",
            ),
        },
    ),
    DemoEvent(
        slug="cluster-based-local-economic-development-ris3",
        title="Cluster-based local economic development in the context of RIS3",
        kind=EventKind.WORKSHOP,
        format=EventFormat.IN_PERSON,
        timezone="Europe/Berlin",
        month_day=(11, 23),
        start=time(9, 0),
        end=time(16, 0),
        days=3,
        summary="A three-day thematic workshop on clusters as drivers of local development.",
        description="Three days of peer learning between regions, with field visits in Frankfurt.",
        translations={
            "de": (
                "Clusterbasierte lokale Wirtschaftsentwicklung im Kontext von RIS3",
                "Ein dreitägiger thematischer Workshop zu Clustern als Motor der lokalen "
                "Entwicklung.",
                "Drei Tage Erfahrungsaustausch zwischen Regionen, mit Exkursionen in Frankfurt "
                "am Main.",
            ),
        },
        venue={
            "venue_name": "Haus am Dom",
            "address": "Domplatz 3",
            "city": "Frankfurt am Main",
            "country": "DE",
        },
        capacity=60,
    ),
    DemoEvent(
        slug="smart-regions-conference",
        title="Smart Regions conference",
        kind=EventKind.CONFERENCE,
        format=EventFormat.HYBRID,
        timezone="Europe/Brussels",
        month_day=(6, 17),
        start=time(9, 30),
        end=time(17, 0),
        days=2,
        summary="Where the Smart Guide to Cluster Policy is presented.",
        description="Two days on smart specialisation, with the presentation of the "
        "*Smart Guide to Cluster Policy*.",
        venue={
            "venue_name": "The Square – Brussels Meeting Centre",
            "address": "Mont des Arts",
            "city": "Brussels",
            "country": "BE",
        },
        online_url="https://meet.example.org/smart-regions",
    ),
    DemoEvent(
        slug="towards-european-strategic-cluster-partnerships",
        title="Towards European Strategic Cluster Partnerships – information webinar",
        kind=EventKind.WEBINAR,
        format=EventFormat.ONLINE,
        timezone="Europe/Brussels",
        month_day=None,
        days_from_today=21,
        start=time(10, 0),
        end=time(11, 0),
        summary="Everything you need to know before applying for a strategic cluster partnership.",
        online_url="https://meet.example.org/escp-info",
        capacity=5,
    ),
    DemoEvent(
        slug="cluster-excellence-days-past",
        title="Cluster Excellence Days",
        kind=EventKind.CONFERENCE,
        format=EventFormat.IN_PERSON,
        timezone="Europe/Brussels",
        month_day=None,
        days_from_today=-40,
        start=time(9, 0),
        end=time(17, 0),
        summary="Last edition of the Cluster Excellence Days.",
        venue={
            "venue_name": "Square Brussels",
            "address": "Rue Mont des Arts",
            "city": "Brussels",
            "country": "BE",
        },
    ),
)


def _next_occurrence(month: int, day: int, today: date) -> date:
    candidate = date(today.year, month, day)
    return candidate if candidate > today else date(today.year + 1, month, day)


def _first_day(spec: DemoEvent, today: date) -> date:
    if spec.month_day is None:
        return today + timedelta(days=spec.days_from_today)
    return _next_occurrence(*spec.month_day, today)


def build_event(spec: DemoEvent, today: date) -> Event:
    """A demo Event from its spec, dated relative to `today`."""
    first = _first_day(spec, today)
    last = first + timedelta(days=spec.days - 1)
    event = Event(
        slug=spec.slug,
        title=spec.title,
        kind=spec.kind,
        format=spec.format,
        summary=spec.summary,
        description=spec.description,
        capacity=spec.capacity,
        online_url=spec.online_url,
        status=EventStatus.PUBLISHED,
        organiser_name="Convene demo team",
        organiser_email=DEMO_CONTACT_EMAIL,
        language="en",
        translations=[
            EventTranslation(language=language, title=title, summary=summary, description=text)
            for language, (title, summary, text) in spec.translations.items()
        ],
        **spec.venue,
    )
    event.set_schedule(
        datetime.combine(first, spec.start), datetime.combine(last, spec.end), spec.timezone
    )
    return event


def ensure_demo_admin() -> tuple[Organiser, str | None]:
    """The demo administrator; a new random password is returned only when it is created."""
    begin_write(db.session)
    admin = accounts.find_by_email(DEMO_ADMIN_EMAIL) or _legacy_demo_admin()
    if admin is not None:
        admin.email = DEMO_ADMIN_EMAIL
        return admin, None
    password = secrets.token_urlsafe(12)
    admin = accounts.create_organiser(
        DEMO_ADMIN_EMAIL, password, name="Demo administrator", is_admin=True
    )
    audit.record(
        "organiser.created",
        object_type="organiser",
        object_id=admin.id,
        details={"admin": True, "via": "demo"},
    )
    return admin, password


def _legacy_demo_admin() -> Organiser | None:
    legacy = [old for old, new in LEGACY_ADDRESSES.items() if new == DEMO_ADMIN_EMAIL]
    return db.session.scalar(sa.select(Organiser).where(Organiser.email.in_(legacy)))


def load_demo_events(today: date | None = None, owner: Organiser | None = None) -> list[Event]:
    """Create the demo events that do not exist yet; returns the ones created."""
    today = today or now_utc().date()
    begin_write(db.session)
    existing = set(db.session.scalars(sa.select(Event.slug)))
    created = [build_event(spec, today) for spec in DEMO_EVENTS if spec.slug not in existing]
    db.session.add_all(created)
    slugs = [spec.slug for spec in DEMO_EVENTS]
    for event in db.session.scalars(sa.select(Event).where(Event.slug.in_(slugs))):
        event.organiser_email = LEGACY_ADDRESSES.get(event.organiser_email, event.organiser_email)
        if owner is not None:
            event.owner_id = event.owner_id or owner.id
    db.session.flush()
    for event in created:
        audit.record(
            "event.created",
            object_type="event",
            object_id=event.id,
            event_id=event.id,
            details={"via": "demo"},
        )
    db.session.commit()
    return created


@demo_cli.command("load")
def load_command() -> None:
    """Create the demo events and a demo administrator (idempotent)."""
    admin, password = ensure_demo_admin()
    created = load_demo_events(owner=admin)
    click.echo(
        f"Demo events: {len(created)} created, {len(DEMO_EVENTS) - len(created)} already there."
    )
    if password is not None:
        # Shown once: only its hash is stored. Lost it? `flask organiser create` another admin.
        click.echo(
            f"Demo organiser created. Sign in at /organiser/sign-in as {DEMO_ADMIN_EMAIL} "
            f"with the password {password} (shown only this once)."
        )

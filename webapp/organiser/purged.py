"""What the organiser sees of an event whose personal data the retention job erased."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from webapp import i18n, timezones
from webapp.countries import country_name
from webapp.events.models import Event
from webapp.organiser.attendees import EventCounts, kept_counts
from webapp.organiser.labels import REGISTRATION_STATUS, label
from webapp.privacy.statistics import KeptStatistics, kept_for

MODE_LABELS = {"in_person": _l("In person"), "online": _l("Online")}
NO_COUNTRY = _l("Not given")


@dataclass(frozen=True)
class PurgedView:
    """The date of the erasure and the kept counts, labelled in the page's language."""

    erased_on: str
    counts: EventCounts
    per_status: list[tuple[str, int]]
    per_mode: list[tuple[str, int]]
    per_country: list[tuple[str, int]]
    total: int


def purged_view(event: Event) -> PurgedView | None:
    """The purged event's kept figures; None while its personal data is still there."""
    if event.personal_data_purged_at is None:
        return None
    kept = kept_for([event.id]).get(event.id, KeptStatistics())
    language = i18n.current_language()
    erased = timezones.to_local(event.personal_data_purged_at, event.timezone).date()
    return PurgedView(
        erased_on=i18n.localised_day(erased),
        counts=kept_counts(kept),
        per_status=[(label(REGISTRATION_STATUS, s), n) for s, n in sorted(kept.per_status.items())],
        per_mode=[(label(MODE_LABELS, m), n) for m, n in sorted(kept.per_mode.items())],
        per_country=[
            (country_name(code, language) or code or str(NO_COUNTRY), n)
            for code, n in kept.per_country
        ],
        total=kept.total,
    )

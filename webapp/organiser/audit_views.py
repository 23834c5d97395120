"""The audit log pages: the whole log for admins, filterable and downloadable as CSV, and
each event's log for those who manage it. Read-only: no route here changes an entry."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from webapp.extensions import db
from webapp.organiser import audit_log, bp, trail
from webapp.organiser.audit_forms import AuditFilterForm
from webapp.organiser.auth import admin_or_404, event_or_404


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _page(query: audit_log.AuditQuery) -> tuple[audit_log.AuditPage, list[audit_log.Row]]:
    page = audit_log.entries_page(
        query,
        per_page=current_app.config["AUDIT_PER_PAGE"],
        older=_cursor("older"),
        newer=_cursor("newer"),
    )
    rows = audit_log.rows_for(page.items, current_user.last_timezone, admin=current_user.is_admin)
    return page, rows


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = audit_log.action_choices()
    form.actor.choices = audit_log.actor_choices()
    form.object_type.choices = audit_log.object_type_choices()
    return form


def _kept(form: AuditFilterForm) -> dict[str, str]:
    """The filter's non-empty values, for links that keep it (pages, the download)."""
    names = ("action", "actor", "event_id", "object_type", "object_id", "date_from", "date_to")
    return {name: request.args[name] for name in names if request.args.get(name)}


@bp.get("/audit")
def audit_log_page():
    """The whole audit log, newest first, filtered (admins only)."""
    admin_or_404()
    form = _filter_form()
    if not form.validate():
        return render_template("organiser/audit.html", form=form, rows=[], page=None), 400
    page, rows = _page(form.to_query(current_user.last_timezone))
    return render_template(
        "organiser/audit.html",
        form=form,
        rows=rows,
        page=page,
        keep=_kept(form),
        zone=current_user.last_timezone,
    )


@bp.get("/audit.csv")
def audit_log_csv():
    """The filtered log as CSV for auditors; the download itself is logged."""
    admin_or_404()
    form = _filter_form()
    if not form.validate():
        return render_template("organiser/audit.html", form=form, rows=[], page=None), 400
    query = form.to_query(current_user.last_timezone)
    rows = trail.Counted(audit_log.csv_rows(query))

    def finish(complete: bool) -> None:
        details = {"format": "csv", "rows": rows.count, "filters": query.used()}
        if not complete:
            details["complete"] = False
        trail.object_action("audit.exported", "audit", None, **details)
        db.session.commit()

    return Response(
        stream_with_context(trail.logged_stream(audit_log.csv_stream(rows), finish)),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/events/<int:event_id>/log")
def event_log(event_id: int):
    """What was done to one event and its attendees, for those who manage it."""
    event = event_or_404(event_id)
    page, rows = _page(audit_log.AuditQuery(event_id=event.id))
    return render_template(
        "organiser/event_log.html",
        event=event,
        rows=rows,
        page=page,
        keep={"event_id": event.id},
        zone=current_user.last_timezone,
    )

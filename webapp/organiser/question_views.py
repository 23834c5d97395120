"""The "Registration questions" editor of an event: add, edit, reorder, remove, show again.

Each action is its own small POST form (CSRF), so the editor works without JavaScript.
Changes take the event's write lock and leave the event row, its calendar entries and
SEQUENCE as they are.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.organiser import bp, trail
from webapp.organiser import questions as editor
from webapp.organiser.auth import event_or_404
from webapp.organiser.question_forms import QuestionForm


def _form(event, questions, question=None, **kwargs) -> QuestionForm:
    return QuestionForm(
        conditions=editor.condition_choices(questions, question),
        event_format=event.format,
        **kwargs,
    )


def _editor_page(event, questions, form, status: int = 200, editing=None):
    return render_template(
        "organiser/questions.html" if editing is None else "organiser/question_edit.html",
        event=event,
        questions=questions,
        form=form,
        editing=editing,
    ), status


def _back(event):
    return redirect(url_for("organiser.questions", event_id=event.id), 303)


@bp.get("/events/<int:event_id>/questions")
def questions(event_id: int):
    """The event's questions in order, each with its actions, and the form to add one."""
    event = event_or_404(event_id)
    found = editor.all_questions(event)
    return _editor_page(event, found, _form(event, found))


@bp.post("/events/<int:event_id>/questions")
def question_add(event_id: int):
    """Add a question at the end of the registration form."""
    event = event_or_404(event_id, lock=True)
    found = editor.all_questions(event)
    form = _form(event, found)
    if not form.validate():
        return _editor_page(event, found, form, 422)
    try:
        added = editor.add_question(event, form.to_spec())
    except editor.QuestionError as error:
        db.session.rollback()
        form.condition.errors.append(str(error))
        return _editor_page(event, editor.all_questions(event), form, 422)
    db.session.flush()  # the new question's id, for the log
    _record("question.added", event, added.id)
    db.session.commit()
    flash(_("The question is added to the registration form."), "success")
    return _back(event)


def _question_or_404(event, question_id: int):
    question = editor.question_of(event, question_id)
    if question is None:
        abort(404)
    return question


@bp.route("/events/<int:event_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
def question_edit(event_id: int, question_id: int):
    """Change a question; renamed answers keep the answers people gave."""
    event = event_or_404(event_id, lock=request.method == "POST")
    question = _question_or_404(event, question_id)
    found = editor.all_questions(event)
    if request.method == "GET":
        form = _form(event, found, question, formdata=None)
        form.load(question)
        return _editor_page(event, found, form, editing=question)
    form = _form(event, found, question)
    if not form.validate():
        return _editor_page(event, found, form, 422, editing=question)
    try:
        editor.update_question(event, question, form.to_spec())
    except editor.QuestionError as error:
        db.session.rollback()
        form.kind.errors.append(str(error))
        question = _question_or_404(event, question_id)
        return _editor_page(event, editor.all_questions(event), form, 422, editing=question)
    _record("question.changed", event, question_id)
    db.session.commit()
    flash(_("The question is saved."), "success")
    return _back(event)


def _record(action: str, event, question_id: int, **details) -> None:
    trail.object_action(action, "question", question_id, event.id, **details)


def _change(event_id: int, question_id: int, change, message, action):
    """Run one editor service on a question of the locked event, log it, commit, and
    report; `action(result)` names the audit entry (None: nothing to log)."""
    event = event_or_404(event_id, lock=True)
    question = _question_or_404(event, question_id)
    try:
        result = change(event, question)
    except editor.QuestionError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if (name := action(result)) is not None:
            _record(name, event, question_id)
        db.session.commit()
        flash(message(result) if callable(message) else message, "success")
    return _back(event)


@bp.post("/events/<int:event_id>/questions/<int:question_id>/move")
def question_move(event_id: int, question_id: int):
    """One place up or down (`direction`)."""
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        _question_or_404(event_or_404(event_id), question_id)
        abort(400)
    return _change(
        event_id,
        question_id,
        lambda event, question: editor.move_question(event, question, step),
        _("The question is moved."),
        lambda moved: (
            None if not moved else "question.moved_up" if step < 0 else "question.moved_down"
        ),
    )


@bp.post("/events/<int:event_id>/questions/<int:question_id>/remove")
def question_remove(event_id: int, question_id: int):
    """Delete an unanswered question; hide an answered one, keeping its answers."""
    return _change(
        event_id,
        question_id,
        editor.remove_question,
        lambda hidden: (
            _("The question is hidden from the form. Its answers are kept.")
            if hidden
            else _("The question is removed.")
        ),
        lambda hidden: "question.hidden" if hidden else "question.deleted",
    )


@bp.post("/events/<int:event_id>/questions/<int:question_id>/restore")
def question_restore(event_id: int, question_id: int):
    """Ask a hidden question again."""
    return _change(
        event_id,
        question_id,
        editor.restore_question,
        lambda cleared: (
            _(
                "The question is back on the registration form. Its condition is removed "
                "because the question it depended on is hidden, deleted or comes after it: "
                "everyone is asked it now."
            )
            if cleared
            else _("The question is back on the registration form.")
        ),
        lambda _cleared: "question.restored",
    )

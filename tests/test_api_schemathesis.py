"""The API against its own OpenAPI document, with schemathesis: every operation, bad input
included, answers no 5xx and matches the documented schema (status, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api_support import bearer, make_token
from tests.organiser_support import add_registrations, make_organiser
from tests.question_support import add_question, spec
from webapp.events.models import EventFormat, EventStatus

CHECKS = [not_a_server_error, response_schema_conformance]
SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api_data(app, make_event):
    """An organiser with a token, a published hybrid event with registrations, a draft."""
    organiser_id = make_organiser(app, "schema@cluster.example")
    event = make_event(
        owner_id=organiser_id, slug="schema-event", format=EventFormat.HYBRID, capacity=5
    )
    make_event(owner_id=organiser_id, status=EventStatus.DRAFT)
    add_question(app, event.id, spec("single_choice", "Topic", "AI", "Energy"))
    add_registrations(app, event.id, [{}, {"status": "waitlisted"}])
    return {"event_id": event.id, "headers": bearer(make_token(app, organiser_id))}


OPERATIONS = [
    "/api/v1/events",
    "/api/v1/events/{slug}",
    "/api/v1/organiser/events",
    "/api/v1/organiser/events/{event_id}",
    "/api/v1/organiser/events/{event_id}/registrations",
]


def _schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_list_covers_every_documented_operation(app):
    documented = [result.ok() for result in _schema(app).get_all_operations()]
    assert sorted((op.method.upper(), op.path) for op in documented) == sorted(
        ("GET", path) for path in OPERATIONS
    )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("path", OPERATIONS)
def test_every_operation_answers_as_documented(app, api_data, path, mode):
    """Valid parameters (positive) and invalid ones (negative: wrong types, out of range)."""
    operation = _schema(app)[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @SETTINGS
    def check(case):
        case.call_and_validate(headers=api_data["headers"], checks=CHECKS)

    check()


def test_the_known_records_answer_as_documented(app, api_data):
    """Generated ids rarely exist: read the real event and its registrations too."""
    loaded = _schema(app)
    event_id = api_data["event_id"]
    cases = [
        ("/api/v1/events/{slug}", {"slug": "schema-event"}, {}),
        ("/api/v1/organiser/events/{event_id}", {"event_id": event_id}, {"lang": "da"}),
        ("/api/v1/organiser/events/{event_id}/registrations", {"event_id": event_id}, {}),
        ("/api/v1/organiser/events/{event_id}/registrations", {"event_id": event_id}, {"limit": 1}),
    ]
    for path, path_parameters, query in cases:
        operation = loaded[path]["GET"]
        case = operation.Case(path_parameters=path_parameters, query=query)
        response = case.call_and_validate(headers=api_data["headers"], checks=CHECKS)
        assert response.status_code == 200

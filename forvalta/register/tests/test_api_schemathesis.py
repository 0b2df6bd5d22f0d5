"""Property tests of the whole API against its own OpenAPI schema (schemathesis).

For three personas of the tenancy world (an organisation administrator, a member
municipality's system owner and a supplier's staff), each authenticating with a
personal API token, schemathesis generates requests for every operation in
/api/schema/ and checks that no response is a server error and that every response
(status code, content type and body) is what the schema says. Detail operations get
the world's real ids as well as generated ones, so the rules are exercised on rows
the persona may read, change or not see at all.

The requests go to Django's WSGI application in this process, so they run inside the
test's transaction on both SQLite and PostgreSQL. A fixed, derandomized number of
examples keeps the file well under 90 seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forvalta.core.api_auth import api_token_create
from forvalta.register.tests.world import build_world

pytestmark = pytest.mark.django_db

# Examples per operation: more where the real ids of the world exercise the rules.
MAX_EXAMPLES = {"detail": 3, "collection": 2}
SCHEMA_URL = "/api/schema/?format=json"
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Operations left out of the run (none: every view documents its error responses
# through forvalta.core.api_base.ScopedAutoSchema, the default schema class).
NOT_YET: tuple[str, ...] = ()
# persona in the world -> who they are
PERSONAS = {
    "assoc_admin": "organisation administrator of the association",
    "owner1": "system owner in a member municipality",
    "sup": "staff of a supplier",
}
# API path prefix -> world key prefix, for the real ids given to detail operations
REAL_IDS = {
    "/api/objects/": "OBJ",
    "/api/services/": "SVC",
    "/api/systems/": "SYS",
    "/api/environments/": "ENV",
    "/api/integrations/": "INT",
    "/api/participations/": "PART",
    "/api/roles/": "RA",
    "/api/agreements/": "AGR",
    "/api/units/": "UNIT",
}


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI application, minus the per-request connection housekeeping that
    would close the test's transaction (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


_schema_document: dict[str, Any] = {}
_strategies: dict[str, Any] = {}


def api_schema(app: WSGIHandler) -> Any:
    """The schema as served, generated once for all personas (it is the same for all)."""
    if not _schema_document:
        # Through the app itself: Django's test Client would put back the connection
        # housekeeping that the wsgi_app fixture takes away.
        _schema_document.update(schemathesis.openapi.from_wsgi(SCHEMA_URL, app).raw_schema)
    schema = schemathesis.openapi.from_dict(_schema_document)
    schema.app = app  # requests go to the WSGI application, in this process
    schema.location = SCHEMA_URL
    return schema


def real_ids(world: Any, path: str) -> list[int]:
    for prefix, key_prefix in REAL_IDS.items():
        if path.startswith(prefix):
            return [v.pk for k, v in world.items.items() if k.split("_")[0] == key_prefix]
    if path.startswith(("/api/organisations/", "/api/suppliers/")):
        return [o.pk for o in world.orgs.values()]
    if path.startswith("/api/role-types/"):
        from forvalta.register.models import RoleType

        return list(RoleType.objects.values_list("pk", flat=True)[:5])
    return []


def with_real_ids(strategy: Any, ids: list[int]) -> Any:
    def put(pair: tuple[Any, int]) -> Any:
        case, pk = pair
        case.path_parameters = {**(case.path_parameters or {}), "id": pk}
        return case

    return st.one_of(strategy, st.tuples(strategy, st.sampled_from(ids)).map(put))


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_operation_keeps_to_the_schema(wsgi_app, persona):
    world = build_world()
    token, key = api_token_create(actor=world.users[persona], name="schemathesis")
    auth = {"Authorization": f"Bearer {key}", "Accept-Language": "sv"}
    schema = api_schema(wsgi_app)
    operations = [
        op
        for op in (r.ok() for r in schema.get_all_operations())
        if not op.path.startswith(NOT_YET)
    ]
    assert len(operations) >= 12 * 2  # list and detail of every entity, at least
    tried: list[str] = []
    statuses: dict[int, int] = {}
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        if label not in _strategies:  # the same for every persona: auth is added per call
            _strategies[label] = operation.as_strategy()
        strategy = _strategies[label]
        ids = real_ids(world, operation.path) if "{id}" in operation.path else []
        if ids:
            strategy = with_real_ids(strategy, ids)

        @settings(
            max_examples=MAX_EXAMPLES["detail" if ids else "collection"],
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: Any) -> None:
            response = case.call(headers=auth)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS)

        check()
        tried.append(label)
    assert "DELETE /api/systems/{id}/" in tried and "POST /api/agreements/" in tried
    token.refresh_from_db()
    assert token.last_used_at is not None  # the requests reached the app, with the token
    # The rules were exercised, not only the parsing: reads, refusals and (for the
    # administrator) writes all happened.
    assert {200, 400, 404} <= set(statuses), statuses
    if persona == "assoc_admin":
        assert {201, 204} & set(statuses), statuses
    else:
        assert 403 in statuses, statuses

"""Finding 6: templates that would hang or bloat are refused when saved, with the reason (HTTP).

Each payload goes in a campaign intro through POST /api/campaigns (the full create_app() app).
The sizes are the attack's own: unguarded, each one holds an API thread for minutes or
allocates hundreds of megabytes; refused, each answer comes at once or at the 2 s trial deadline.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.models import Campaign
from tests.security.conftest import count
from tests.security.test_header_values import _body, client  # noqa: F401 - the fixture

PAYLOADS = {
    "printf width": ("{{ '%0900000000d'|format(1) }}", "larger than"),
    "str.format width": ("{{ '{:>900000000}'.format('x') }}", "larger than"),
    "center": ("{{ 'x'|center(900000000) }}", "larger than"),
    "range": ("{% for i in range(100000000) %}{% endfor %}", "range of"),
    "nested range": (
        "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "longer than",
    ),
    "lipsum": ("{{ lipsum(100000) }}", "lipsum"),
    "doubling": (
        "{% set ns = namespace(s='x' * 100000) %}"
        "{% for i in range(12) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "",
    ),
    "big output": ("{% for i in range(1000) %}{{ 'y' * 1000 }}{% endfor %}", "output is larger"),
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_hostile_intro_is_refused_at_save(client: TestClient, name: str) -> None:  # noqa: F811
    payload, reason = PAYLOADS[name]
    before = count(Campaign)
    response = client.post("/api/campaigns", json=_body(intro_en=payload))
    assert response.status_code == 422, response.text
    assert "intro_en" in response.text and reason in response.text
    assert count(Campaign) == before


def test_an_ordinary_intro_still_saves(client: TestClient) -> None:  # noqa: F811
    intro = "Hello from {{ list_name }}: {{ '%5.1f'|format(3.14159) }} {{ 'x'|center(9) }}"
    response = client.post("/api/campaigns", json=_body(intro_en=intro))
    assert response.status_code == 201, response.text

"""Document tests reuse the case factories (a team, a leader, a reviewer, a plant, a case)."""

from tests.cases.conftest import open_case, people, plant  # noqa: F401

"""Every (state, action, role) of the workflow table: the state and the role decide, and nothing
else gets past them. A case is put in each state directly (the table is what is under test);
an allowed pair reaches the version check (a stale version → 409 StaleVersion), a state the
action does not start from → TransitionNotAllowed, a role the action does not name → Forbidden.
"""

from datetime import date

import pytest

from enforcement.cases import service, workflow
from enforcement.cases.models import Case, CaseOfficer
from enforcement.core.errors import Forbidden, StaleVersion, TransitionNotAllowed
from enforcement.extensions import db

ROLES = ("officer", "leader", "reviewer")


def test_table_is_well_formed():
    workflow.check_table()
    names = [a.name for a in workflow.ACTIONS]
    assert len(names) == len(set(names))
    for action in workflow.ACTIONS:
        for guard in action.guards:
            assert guard in service.GUARDS, (action.name, guard)
        for effect in action.effects:
            assert effect in service.EFFECTS or effect == "record_review", (action.name, effect)
    # API.md's action names are all in the table
    for name in ("submit_filing", "approve_filing", "reject_filing", "conclude_investigation",
                 "approve_proposal", "serve_notice", "record_statement", "request_hearing",
                 "waive_rights", "schedule_hearing", "record_hearing", "approve_review",
                 "return_review", "record_discussion", "decide", "serve_decision",
                 "record_payment", "approve_closing", "archive", "no_penalty", "transfer",
                 "withdraw", "reopen", "extend_decision_deadline"):
        assert name in workflow.BY_NAME


@pytest.fixture
def actors(make_user):
    return {role: make_user([role]) for role in ROLES}


@pytest.fixture
def bare_case(actors, make_enterprise, frozen):
    plant = make_enterprise()
    case = Case(state="pre_filing", procedure="general", source="other", enterprise_id=plant.id,
                party={"kind": "unit", "name": plant.name}, title="t", facts="f",
                violation_codes=["SCL99-1"], discovered_on=date(2026, 11, 2), dates={})
    officer = actors["officer"]
    case.team = [CaseOfficer(user_id=officer.id, seq=1, certificate_no=officer.certificate_no)]
    db.session.add(case)
    db.session.commit()
    return case


def _expected(action, state, role):
    if state not in action.sources:
        return TransitionNotAllowed
    if action.role != role:
        return Forbidden
    return StaleVersion


def test_every_state_action_role(bare_case, actors):
    checked = 0
    for state in workflow.STATES:
        bare_case.state = state
        db.session.flush()
        for action in workflow.ACTIONS:
            for role in ROLES:
                user = actors[role]
                expected = _expected(action, state, role)
                with pytest.raises(expected):
                    service.perform(bare_case, action.name, {"version": -1}, user)
                checked += 1
                allowed = action.name in service.allowed_actions(bare_case, user)
                if allowed:
                    assert expected is StaleVersion, (state, action.name, role)
    assert checked == len(workflow.STATES) * len(workflow.ACTIONS) * len(ROLES)


def test_officer_actions_need_the_case_team(bare_case, make_user):
    outsider = make_user(["officer"])
    with pytest.raises(Forbidden):
        service.perform(bare_case, "submit_filing", {"version": bare_case.version}, outsider)
    assert service.allowed_actions(bare_case, outsider) == []

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


# Written out by hand from the law, independently of the table: who takes each step.
EXPECTED_ROLE = {
    # 执法人员 (the case's officers): file the report, investigate, serve, record, execute
    "submit_filing": "officer", "conclude_investigation": "officer", "serve_notice": "officer",
    "record_statement": "officer", "waive_rights": "officer", "request_hearing": "officer",
    "schedule_hearing": "officer", "record_hearing": "officer", "submit_review": "officer",
    "decide_on_spot": "officer", "serve_decision": "officer", "record_payment": "officer",
    "serve_demand": "officer", "submit_closing": "officer", "archive": "officer",
    "convert_to_general": "officer", "record_appeal": "officer", "record_appeal_end": "officer",
    # 负责人: approvals and decisions (第五十四条, 第五十七条, 第六十条)
    "approve_filing": "leader", "reject_filing": "leader", "approve_proposal": "leader",
    "return_proposal": "leader", "record_discussion": "leader", "decide": "leader",
    "approve_deferral": "leader", "apply_enforcement": "leader", "approve_closing": "leader",
    "return_closing": "leader", "no_penalty": "leader", "transfer": "leader",
    "withdraw": "leader", "reopen": "leader", "extend_decision_deadline": "leader",
    # 法制审核人员 (第五十八条)
    "approve_review": "reviewer", "return_review": "reviewer",
}
# where the decision is taken, and where it cannot be
DECIDE_FROM = {"notified", "pending_decision"}


def test_roles_match_the_law():
    assert {a.name: a.role for a in workflow.ACTIONS} == EXPECTED_ROLE
    assert set(workflow.BY_NAME["decide"].sources) == DECIDE_FROM
    # nothing is decided before filing, notice, or after a decision
    for state in ("pre_filing", "filing_review", "investigating", "proposal_review",
                  "notice_pending", "hearing_requested", "hearing_scheduled", "legal_review",
                  "decided", "executing", "closed"):
        assert state not in workflow.BY_NAME["decide"].sources
    # the final states take only archive and reopen
    for state in workflow.FINAL_STATES - {"archived"}:
        assert {a.name for a in workflow.actions_from(state)} <= {"archive", "reopen"}
    assert [a.name for a in workflow.actions_from("archived")] == []


def test_allowed_actions_list_what_may_be_done(bare_case, actors, make_user):
    """In 预立案 the case officer may submit it (once two officers handle it), the leader may
    only end it, the reviewer nothing."""
    assert service.allowed_actions(bare_case, actors["officer"]) == []   # one officer only
    second = make_user(["officer"])
    bare_case.team.append(CaseOfficer(user_id=second.id, seq=2,
                                      certificate_no=second.certificate_no))
    db.session.flush()
    assert service.allowed_actions(bare_case, actors["officer"]) == ["submit_filing"]
    assert service.allowed_actions(bare_case, actors["leader"]) == ["transfer", "withdraw"]
    assert service.allowed_actions(bare_case, actors["reviewer"]) == []

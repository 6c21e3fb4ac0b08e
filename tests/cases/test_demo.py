"""The demo cases: seven cases at the stages a bureau works on, made through the services by
``flask demo``, with the deadlines, hearing, reviews and publication they should have."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from enforcement.cases import demo as case_demo
from enforcement.cases import service
from enforcement.cases.models import Case
from enforcement.core import clock, workdays
from enforcement.extensions import db


@pytest.fixture
def seeded(app, runner):
    app.config["DEMO_PASSWORD"] = "Demo-pass-2026"
    try:
        result = runner.invoke(args=["demo"])
    finally:
        app.config["DEMO_PASSWORD"] = None
    assert result.exit_code == 0, result.output
    assert "行政处罚案件 7 件" in result.output, result.output
    return result


def _cases() -> list[Case]:
    return list(db.session.scalars(sa.select(Case).order_by(Case.id)))


def _assert_near_deadline(case: Case, today: date) -> None:
    """Due within the next week — or on the first working day after it, when the week ends in a
    holiday (a deadline on a rest day moves to the next working day)."""
    deadline = service.deadline_of(case, "decision", today)
    assert deadline.status == "open" and case.decided_on is None
    latest = workdays.next_workday(today + timedelta(days=7)).value
    assert today < deadline.due_on <= latest, (today, deadline.due_on)
    assert 80 <= (today - case.filed_on).days <= 90


def test_demo_cases_in_their_stages(seeded, client):
    cases = _cases()
    assert sorted(c.state for c in cases) == sorted([
        "investigating", "filing_review", "pending_decision", "executing", "closed", "closed",
        "no_penalty"])
    by_state = {c.state: c for c in cases}
    today = clock.today()

    # taken up from the inspections demo's 立案建议, under investigation with evidence
    from enforcement.inspections.models import Lead

    taken = by_state["investigating"]
    assert taken.lead_id is not None and taken.source == "inspection"
    assert db.session.get(Lead, taken.lead_id).state == "case_opened"
    assert service.evidence_of(taken) and service.interviews_of(taken)
    assert taken.number and taken.filed_on <= today

    # awaiting the filing approval: submitted, no number yet
    assert by_state["filing_review"].number is None

    # close to the decision deadline, still open
    near = by_state["pending_decision"]
    _assert_near_deadline(near, today)

    # the large fine: hearing held, review returned once then approved, discussed, part-paid
    heard = by_state["executing"]
    assert "hearing_held_on" in heard.dates and "discussed_on" in heard.dates
    assert heard.hearing_right is True
    assert [r.result for r in service.reviews_of(heard)] == ["return", "approve"]
    item = heard.proposed_penalty["items"][0]
    assert item["violation_code"] == "SCL99-2" and item["circumstances"] == ["not_corrected"]
    assert Decimal(item["fine"]) == Decimal(item["suggested"]) == heard.fine
    assert 0 < heard.paid < heard.fine
    assert service.deadline_of(heard, "hearing_notice").status == "met"
    assert service.deadline_of(heard, "decision").status == "met"

    # closed: a general case (published) and a summary case decided on the spot
    closed = [c for c in cases if c.state == "closed"]
    assert sorted(c.procedure for c in closed) == ["general", "summary"]
    general = next(c for c in closed if c.procedure == "general")
    summary = next(c for c in closed if c.procedure == "summary")
    assert general.paid == general.fine and general.closed_on <= today
    assert summary.decision["on_the_spot"] is True and summary.fine <= 3000
    assert summary.paid == summary.fine
    assert summary.dates["decision_served_on"] == summary.dates["decided_on"]

    # 不予处罚 for a minor violation corrected in time
    spared = by_state["no_penalty"]
    assert spared.outcome["ground"] == "minor" and spared.outcome["education"]
    assert spared.fine is None

    # nothing is overdue; a case takes its number when filed (or, on the spot, when decided)
    assert not service.overdue_ids(today)
    numbered = [c for c in cases if c.number]
    assert len(numbered) == 6
    filed = sorted((c for c in numbered if c.filed_on), key=lambda c: (c.filed_on, c.id))
    serials = [tuple(map(int, re.search(r"〔(\d{4})〕(\d+)", c.number).groups())) for c in filed]
    assert serials == sorted(serials)

    # the publication of the closed case is on the public page
    assert service.publication_of(general) is not None
    page = client.get("/public/cases")
    assert page.status_code == 200
    assert general.party["name"] in page.get_data(as_text=True)

    # the demo reviewer holds the legal qualification
    from enforcement.auth.models import User

    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer1"))
    assert reviewer.legal_qualified is True


def test_demo_cases_are_seeded_once(seeded, runner, app):
    before = [(c.id, c.state, c.version) for c in _cases()]
    assert case_demo.seed() == 0
    app.config["DEMO_PASSWORD"] = "Demo-pass-2026"
    try:
        again = runner.invoke(args=["demo"])
    finally:
        app.config["DEMO_PASSWORD"] = None
    assert again.exit_code == 0 and "行政处罚案件 0 件" in again.output
    assert [(c.id, c.state, c.version) for c in _cases()] == before


@pytest.mark.parametrize("day", [date(2026, 2, 25), date(2026, 10, 9), date(2027, 1, 4)])
def test_demo_cases_on_any_day_without_inspections(make_user, make_enterprise, day):
    """Seeded on a day after a long holiday or across the new year, with no inspections to take
    a case from and no supermarket or restaurant in the registry: still seven cases, every
    guard passed on the day it was met."""
    make_user(["leader"], username="leader1")
    make_user(["reviewer"], username="reviewer1")
    for n in range(1, 7):
        make_user(["officer"], username=f"officer{n}", display_name=f"执法员{n}")
    for n in range(8):
        make_enterprise(dust_explosion=n == 0, legal_representative="张三")
    clock.freeze(datetime.combine(day, time(8, 0), tzinfo=clock.local_zone()))
    assert case_demo.seed() == 7
    cases = _cases()
    assert sorted(c.state for c in cases) == sorted([
        "investigating", "filing_review", "pending_decision", "executing", "closed", "closed",
        "no_penalty"])
    assert all(c.discovered_on <= day and (c.filed_on or day) <= day for c in cases)
    _assert_near_deadline(next(c for c in cases if c.state == "pending_decision"), day)
    heard = next(c for c in cases if c.state == "executing")
    assert [r.result for r in service.reviews_of(heard)] == ["return", "approve"]
    assert not service.overdue_ids(day)

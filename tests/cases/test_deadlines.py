"""Case deadlines: pure computation, every expected date counted by hand on the 2026 calendar.

The 2026 facts used below were checked against the chinese-calendar package data (1.11.0), which
follows the State Council's 2026 notice (test_2026_facts_used_below asserts them):
元旦 01-01..03 (make-up Sunday 01-04); 春节 02-15..02-23, make-up Saturdays 02-14 and 02-28;
清明 04-04..06; 劳动节 05-01..05 (make-up Saturday 05-09); 端午 06-19..21; 中秋 09-25..27;
国庆节 10-01..07 with make-up Sunday 09-20 and Saturday 10-10. The package has no 2027 data:
2027 counts weekends only and makes a result provisional.

Weekdays: 2026-03-02 Mon, 03-10 Tue, 03-17 Tue, 05-31 Sun, 07-03 Fri, 09-14 Mon, 09-18 Fri,
09-22 Tue, 09-24 Thu, 12-30 Wed; 2027-01-01 Fri, 2027-02-28 Sun.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from enforcement.cases import deadlines as dl
from enforcement.cases.deadlines import CaseEvents, Deadline, DeadlineRulesError
from enforcement.core import workdays as w
from enforcement.core.workdays import LegalCalendar, Result, YearCalendar

D = date
# conftest's autouse database fixture is function-scoped; these tests do not use it.
props = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])
PACKAGE = LegalCalendar()
BASE = tomllib.loads(dl.RULES_FILE.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def package_calendar_by_default():
    """The app registers a database-backed provider; these tests use the package data only."""
    previous = w.set_calendar_provider(None)
    yield
    w.set_calendar_provider(previous)


def official(value) -> Result:
    return Result(value, False, ())


def by_kind(events: CaseEvents, today: date, **kwargs) -> dict[str, Deadline]:
    found = dl.compute(events, today, **kwargs)
    kinds = [d.kind for d in found]
    assert len(kinds) == len(set(kinds)), kinds
    return {d.kind: d for d in found}


def one(kind: str, events: CaseEvents, today: date, **kwargs) -> Deadline:
    return by_kind(events, today, **kwargs)[kind]


def test_2026_facts_used_below():
    data = PACKAGE.year_calendar(2026)
    assert {d for d in data.holidays if d.month in (9, 10)} == {
        D(2026, 9, 25), D(2026, 9, 26), D(2026, 9, 27), *(D(2026, 10, i) for i in range(1, 8))}
    assert [D(2026, 2, d) for d in range(15, 24)] == sorted(
        d for d in data.holidays if d.month == 2)
    assert {D(2026, 5, i) for i in range(1, 6)} <= set(data.holidays)
    assert set(data.makeup_workdays) == {
        D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20),
        D(2026, 10, 10)}
    assert PACKAGE.year_calendar(2027) is None


# --- the rules file -----------------------------------------------------------------------------


def test_packaged_rules_load_and_hold_the_law():
    rules = dl.load_rules(dl.RULES_FILE)
    assert rules.version == "2026.1" == dl.rules_version()
    assert [r.effective_from for r in rules.rulesets] == [D(2021, 7, 15), D(2026, 2, 1)]
    assert rules.rulesets[0].effective_to == D(2026, 1, 31)
    for ruleset in rules.rulesets:
        p = ruleset.periods
        assert {k: (v.count, v.unit) for k, v in p.items()} == {
            "statement": (3, "workdays"), "hearing_request": (5, "workdays"),
            "hearing_notice": (7, "workdays"), "decision": (90, "days"),
            "service": (7, "workdays"), "payment": (15, "days"),
            "reconsideration": (60, "days"), "litigation": (6, "months"),
            "demand": (10, "workdays"), "court_enforcement": (3, "months")}
        assert p["decision"].basis == "《行政处罚法》第六十条"
        assert p["payment"].deferred_basis == "《行政处罚法》第六十六条"
        assert ruleset.surcharge.percent_per_day == 3 and ruleset.surcharge.cap_percent == 100
    assert "working days" in rules.rulesets[0].periods["demand"].note  # the judgement recorded


# --- statement (陈述申辩, 3 working days) -----------------------------------------------------


def test_statement_window():
    # Served Tue 03-10: Wed 11 (1), Thu 12 (2), Fri 13 (3).
    assert dl.statement_window_end(D(2026, 3, 10)) == official(D(2026, 3, 13))
    # Served Thu 09-24: 25..27 中秋 holidays, Mon 28 (1), Tue 29 (2), Wed 30 (3).
    assert dl.statement_window_end(D(2026, 9, 24)) == official(D(2026, 9, 30))
    # Served Thu 02-12: Fri 13 (1), Sat 14 make-up (2), 15..23 春节, Tue 24 (3).
    assert dl.statement_window_end(D(2026, 2, 12)) == official(D(2026, 2, 24))


def test_statement_in_a_year_without_data_is_provisional():
    # Served Wed 2026-12-30: Thu 31 (1), Fri 2027-01-01 (no data: weekends only) (2), Mon 04 (3).
    assert dl.statement_window_end(D(2026, 12, 30)) == Result(D(2027, 1, 4), True, (2027,))
    # With 2027 entered by an administrator (元旦 on 01-01): Thu 31 (1), Mon 04 (2), Tue 05 (3).
    entered = LegalCalendar({2027: YearCalendar(2027, holidays={D(2027, 1, 1): "元旦"})})
    assert dl.statement_window_end(D(2026, 12, 30), entered) == official(D(2027, 1, 5))
    d = one("statement", CaseEvents(notice_served_on=D(2026, 12, 30)), D(2026, 12, 30))
    assert (d.due_on, d.provisional) == (D(2027, 1, 4), True)


def test_statement_statuses_of_a_party_window():
    served = CaseEvents(notice_served_on=D(2026, 3, 10))  # window ends Fri 03-13
    d = one("statement", served, D(2026, 3, 13))
    assert (d.status, d.done_on, d.owner) == ("open", None, "party")
    assert (d.label, d.basis) == ("陈述申辩期限", "《行政处罚法》第四十四条、第四十五条")
    assert (d.start_event, d.start_on) == ("notice_served_on", D(2026, 3, 10))
    # Lapsed unused: closed, nothing further awaited.
    assert (one("statement", served, D(2026, 3, 16)).status,
            one("statement", served, D(2026, 3, 16)).done_on) == ("met", None)
    replied = CaseEvents(notice_served_on=D(2026, 3, 10), statement_on=D(2026, 3, 13))
    assert one("statement", replied, D(2026, 3, 20)).status == "met"
    assert one("statement", replied, D(2026, 3, 20)).done_on == D(2026, 3, 13)
    late = CaseEvents(notice_served_on=D(2026, 3, 10), statement_on=D(2026, 3, 16))
    assert one("statement", late, D(2026, 3, 20)).status == "missed"
    waived = CaseEvents(notice_served_on=D(2026, 3, 10), rights_waived_on=D(2026, 3, 11))
    assert one("statement", waived, D(2026, 3, 12)).status == "met"


# --- hearing request (听证申请, 5 working days) -----------------------------------------------


def test_hearing_request_window():
    # Served Tue 03-10: 11 (1), 12 (2), 13 (3), Mon 16 (4), Tue 17 (5).
    assert dl.hearing_request_window_end(D(2026, 3, 10)) == official(D(2026, 3, 17))
    # Served Wed 09-30: 10-01..07 国庆节, Thu 08 (1), Fri 09 (2), Sat 10 make-up (3), Mon 12 (4),
    # Tue 13 (5).
    assert dl.hearing_request_window_end(D(2026, 9, 30)) == official(D(2026, 10, 13))


def test_hearing_request_only_with_the_hearing_right_and_its_statuses():
    no_right = CaseEvents(notice_served_on=D(2026, 9, 30))
    assert "hearing_request" not in by_kind(no_right, D(2026, 10, 1))
    right = CaseEvents(notice_served_on=D(2026, 9, 30), hearing_right=True)
    d = one("hearing_request", right, D(2026, 10, 13))
    assert (d.due_on, d.status, d.basis) == (
        D(2026, 10, 13), "open", "《行政处罚法》第六十四条第（一）项")
    assert one("hearing_request", right, D(2026, 10, 14)).status == "met"  # lapsed unused
    in_time = CaseEvents(notice_served_on=D(2026, 9, 30), hearing_right=True,
                         hearing_requested_on=D(2026, 10, 10))  # the make-up Saturday
    assert one("hearing_request", in_time, D(2026, 10, 20)).status == "met"
    late = CaseEvents(notice_served_on=D(2026, 9, 30), hearing_right=True,
                      hearing_requested_on=D(2026, 10, 14))
    d = one("hearing_request", late, D(2026, 10, 20))
    assert (d.status, d.done_on) == ("missed", D(2026, 10, 14))
    waived = CaseEvents(notice_served_on=D(2026, 9, 30), hearing_right=True,
                        rights_waived_on=D(2026, 10, 8))
    found = by_kind(waived, D(2026, 10, 9))
    assert found["hearing_request"].status == found["statement"].status == "met"


# --- hearing notice (听证通知, ≥ 7 working days before the hearing) ---------------------------


def test_hearing_notice_boundary_plain():
    # Hearing Wed 03-18; back: Tue 17 (1), Mon 16 (2), Fri 13 (3), Thu 12 (4), Wed 11 (5),
    # Tue 10 (6), Mon 09 (7). Notice on Mon 09: 10, 11, 12, 13, 16, 17, 18 → the 7th is the
    # hearing day itself: just in time. On Tue 10 the 7th working day is Thu 19: too late.
    hearing = D(2026, 3, 18)
    assert dl.hearing_notice_ok(D(2026, 3, 9), hearing) == official(True)
    assert dl.hearing_notice_ok(D(2026, 3, 10), hearing) == official(False)
    assert dl.latest_hearing_notice(hearing) == official(D(2026, 3, 9))


def test_hearing_notice_boundary_around_national_day():
    # Hearing Tue 10-13; back: Mon 12 (1), Sat 10 make-up (2), Fri 09 (3), Thu 08 (4),
    # [10-01..07 国庆节], Wed 09-30 (5), Tue 29 (6), Mon 28 (7) → due Mon 09-28.
    hearing = D(2026, 10, 13)
    # Notice Mon 09-28: 29, 30, 10-08, 09, 10, 12, 13 → the 7th is the hearing day: in time.
    assert dl.hearing_notice_ok(D(2026, 9, 28), hearing) == official(True)
    # Notice Tue 09-29: 30, 08, 09, 10, 12, 13, 14 → the 7th is Wed 10-14: too late.
    assert dl.hearing_notice_ok(D(2026, 9, 29), hearing) == official(False)
    assert dl.earliest_hearing(D(2026, 9, 28)) == official(hearing)
    # Notice Thu 02-12: Fri 13 (1), Sat 14 (2), 24 (3), 25 (4), 26 (5), 27 (6), Sat 28 (7).
    assert dl.earliest_hearing(D(2026, 2, 12)) == official(D(2026, 2, 28))
    events = CaseEvents(hearing_right=True, hearing_on=hearing)
    d = one("hearing_notice", events, D(2026, 9, 28))
    assert (d.due_on, d.status, d.owner, d.start_event, d.start_on, d.earliest_on) == (
        D(2026, 9, 28), "open", "bureau", "hearing_on", hearing, None)
    assert one("hearing_notice", events, D(2026, 9, 29)).status == "missed"  # not yet notified
    notified = CaseEvents(hearing_right=True, hearing_on=hearing,
                          hearing_notified_on=D(2026, 9, 28))
    d = one("hearing_notice", notified, D(2026, 10, 13))
    assert (d.status, d.done_on, d.earliest_on) == ("met", D(2026, 9, 28), hearing)
    too_late = CaseEvents(hearing_right=True, hearing_on=hearing,
                          hearing_notified_on=D(2026, 9, 29))
    assert one("hearing_notice", too_late, D(2026, 9, 29)).status == "missed"


def test_hearing_notice_given_on_a_rest_day_after_the_due_working_day():
    # Hearing Tue 03-17; back: Mon 16 (1), Fri 13 (2), Thu 12 (3), Wed 11 (4), Tue 10 (5),
    # Mon 09 (6), Fri 06 (7) → the last working day is Fri 03-06. A notice on Sun 03-08 is
    # still in time (Mon 09 (1) … Tue 17 (7)); the legal test decides the status.
    hearing = D(2026, 3, 17)
    assert dl.latest_hearing_notice(hearing) == official(D(2026, 3, 6))
    assert dl.hearing_notice_ok(D(2026, 3, 8), hearing) == official(True)
    d = one("hearing_notice", CaseEvents(hearing_on=hearing, hearing_notified_on=D(2026, 3, 8)),
            D(2026, 3, 9))
    assert (d.due_on, d.status) == (D(2026, 3, 6), "met")


# --- decision (作出决定, 90 days from 立案) ---------------------------------------------------


def test_decision_plain_and_rolled_over_a_weekend():
    # Filed Mon 03-02: 29 days left in March, 30 in April, 31 in May = 90 → Sun 05-31 → Mon 06-01.
    events = CaseEvents(filed_on=D(2026, 3, 2))
    d = one("decision", events, D(2026, 3, 2))
    assert (d.due_on, d.status, d.owner, d.basis, d.provisional) == (
        D(2026, 6, 1), "open", "bureau", "《行政处罚法》第六十条", False)
    assert one("decision", events, D(2026, 6, 1)).status == "open"
    assert one("decision", events, D(2026, 6, 2)).status == "missed"
    on_time = CaseEvents(filed_on=D(2026, 3, 2), decided_on=D(2026, 6, 1))
    assert one("decision", on_time, D(2026, 7, 1)).status == "met"
    late = CaseEvents(filed_on=D(2026, 3, 2), decided_on=D(2026, 6, 2))
    assert (one("decision", late, D(2026, 7, 1)).status,
            one("decision", late, D(2026, 7, 1)).done_on) == ("missed", D(2026, 6, 2))


def test_decision_ending_in_national_day():
    # Filed Fri 07-03: 28 days left in July, 31 in August (59), 30 in September (89), 10-01 (90)
    # → 国庆节 until 10-07 → Thu 10-08.
    d = one("decision", CaseEvents(filed_on=D(2026, 7, 3)), D(2026, 7, 3))
    assert d.due_on == D(2026, 10, 8)


def test_decision_with_extensions():
    # Filed 03-02, 90 + 30 + 30 = 150 days: 05-31 is day 90, June (120), 07-30 Thu (150).
    events = CaseEvents(filed_on=D(2026, 3, 2), decision_extensions=(30, 30))
    assert one("decision", events, D(2026, 6, 2)).due_on == D(2026, 7, 30)
    assert one("decision", events, D(2026, 6, 2)).status == "open"


# --- service (送达决定书, 7 working days) -----------------------------------------------------


def test_service():
    # Decided Tue 03-10: 11, 12, 13, 16, 17, 18, 19 → Thu 03-19.
    d = one("service", CaseEvents(decided_on=D(2026, 3, 10)), D(2026, 3, 10))
    assert (d.due_on, d.basis) == (D(2026, 3, 19), "《行政处罚法》第六十一条、第八十五条")
    # Decided Fri 09-18: Sat 19 no, Sun 20 make-up (1), 21 (2), 22 (3), 23 (4), 24 (5),
    # [25..27 中秋], 28 (6), 29 (7) → Tue 09-29.
    assert one("service", CaseEvents(decided_on=D(2026, 9, 18)), D(2026, 9, 18)).due_on == D(
        2026, 9, 29)
    # Decided Tue 09-22: 23 (1), 24 (2), 28 (3), 29 (4), 30 (5), [国庆节], 10-08 (6), 09 (7).
    late = CaseEvents(decided_on=D(2026, 9, 22), decision_served_on=D(2026, 10, 10))
    d = one("service", late, D(2026, 10, 12))
    assert (d.due_on, d.status, d.done_on) == (D(2026, 10, 9), "missed", D(2026, 10, 10))


# --- payment (缴纳罚款, 15 days) --------------------------------------------------------------


def test_payment_plain_and_statuses():
    # Served Tue 03-10 + 15 days = Wed 03-25.
    served = CaseEvents(decision_served_on=D(2026, 3, 10))
    d = one("payment", served, D(2026, 3, 25))
    assert (d.due_on, d.status, d.owner, d.basis) == (
        D(2026, 3, 25), "open", "party", "《行政处罚法》第六十七条第三款")
    assert one("payment", served, D(2026, 3, 26)).status == "missed"  # unpaid past due
    paid = CaseEvents(decision_served_on=D(2026, 3, 10), paid_on=D(2026, 3, 25))
    assert one("payment", paid, D(2026, 4, 1)).status == "met"
    paid_late = CaseEvents(decision_served_on=D(2026, 3, 10), paid_on=D(2026, 3, 26))
    assert one("payment", paid_late, D(2026, 4, 1)).status == "missed"
    assert "payment" not in by_kind(
        CaseEvents(decision_served_on=D(2026, 3, 10), fine_imposed=False), D(2026, 4, 1))


def test_payment_ending_in_national_day_and_deferred():
    # Served Wed 09-16 + 15 days = Thu 10-01 (国庆节 until 10-07) → Thu 10-08.
    assert one("payment", CaseEvents(decision_served_on=D(2026, 9, 16)),
               D(2026, 9, 16)).due_on == D(2026, 10, 8)
    deferred = CaseEvents(decision_served_on=D(2026, 9, 16),
                          payment_due_override=D(2026, 12, 15))
    d = one("payment", deferred, D(2026, 10, 9))
    assert (d.due_on, d.basis, d.status) == (D(2026, 12, 15), "《行政处罚法》第六十六条", "open")


# --- surcharge (加处罚款) -----------------------------------------------------------------------


def test_surcharge_days_and_cap():
    fine, due = Decimal("10000"), D(2026, 3, 25)
    assert dl.surcharge(fine, due, D(2026, 3, 20)) == Decimal("0.00")
    assert dl.surcharge(fine, due, due) == Decimal("0.00")  # the due day itself
    assert dl.surcharge(fine, due, D(2026, 3, 26)) == Decimal("300.00")  # first late day: 3 %
    # 04-27: 6 days in March (26..31) + 27 in April = 33 days = 99 %.
    assert dl.surcharge(fine, due, D(2026, 4, 27)) == Decimal("9900.00")
    # 04-28: 34 days = 102 % → capped at the fine.
    assert dl.surcharge(fine, due, D(2026, 4, 28)) == Decimal("10000.00")
    assert dl.surcharge(fine, due, D(2027, 4, 28)) == Decimal("10000.00")


def test_surcharge_paused_and_rounding():
    fine, due = Decimal("10000"), D(2026, 3, 25)
    # 03-26..04-10 = 16 days late; 复议 from 03-28 to 04-06 (10 days) not counted → 6 days.
    paused = [(D(2026, 3, 28), D(2026, 4, 6))]
    assert dl.surcharge(fine, due, D(2026, 4, 10), paused) == Decimal("1800.00")
    # Overlapping windows count once; a window before the due date changes nothing.
    overlapping = [*paused, (D(2026, 4, 1), D(2026, 4, 8)), (D(2026, 3, 1), D(2026, 3, 20))]
    # Paused 03-28..04-08 = 12 days → 4 days late.
    assert dl.surcharge(fine, due, D(2026, 4, 10), overlapping) == Decimal("1200.00")
    assert dl.surcharge(fine, due, D(2026, 4, 1), paused) == Decimal("600.00")  # 26, 27 only
    # 1.50 × 3 % = 0.045 → 0.05 (half up, not half even).
    assert dl.surcharge(Decimal("1.50"), due, D(2026, 3, 26)) == Decimal("0.05")
    assert dl.surcharge(Decimal("333.33"), due, D(2026, 3, 26)) == Decimal("10.00")
    with pytest.raises(ValueError, match="Decimal"):
        dl.surcharge(100.0, due, D(2026, 3, 26))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ends before"):
        dl.surcharge(fine, due, D(2026, 4, 1), [(D(2026, 4, 1), D(2026, 3, 30))])


# --- reconsideration (60 days) and litigation (6 months) -------------------------------------


def test_reconsideration():
    # Served Mon 06-01: 29 days left in June + 31 in July = 60 → Fri 07-31.
    d = one("reconsideration", CaseEvents(decision_served_on=D(2026, 6, 1)), D(2026, 6, 1))
    assert (d.due_on, d.owner, d.basis) == (
        D(2026, 7, 31), "party", "《行政复议法》（2023）第二十条")
    # Served Mon 03-02: 29 in March + 30 in April = 59, 05-01 = 60 → 劳动节 until 05-05 → Wed 06.
    assert one("reconsideration", CaseEvents(decision_served_on=D(2026, 3, 2)),
               D(2026, 3, 2)).due_on == D(2026, 5, 6)
    # Served Tue 03-10: 21 in March + 30 in April = 51, 05-09 = 60: a make-up Saturday, so a
    # working day, no roll-over.
    d = one("reconsideration", CaseEvents(decision_served_on=D(2026, 3, 10)), D(2026, 5, 9))
    assert (d.due_on, d.status) == (D(2026, 5, 9), "open")
    d = one("reconsideration", CaseEvents(decision_served_on=D(2026, 3, 10)), D(2026, 5, 11))
    assert (d.status, d.done_on) == ("met", None)  # lapsed unused
    # the party applied on 05-08 (in time) or on 05-11 (two days late)
    d = one("reconsideration", CaseEvents(decision_served_on=D(2026, 3, 10),
                                          reconsideration_on=D(2026, 5, 8)), D(2026, 5, 8))
    assert (d.status, d.done_on) == ("met", D(2026, 5, 8))
    d = one("reconsideration", CaseEvents(decision_served_on=D(2026, 3, 10),
                                          reconsideration_on=D(2026, 5, 11)), D(2026, 5, 12))
    assert (d.status, d.done_on) == ("missed", D(2026, 5, 11))


def test_litigation():
    # Served Tue 03-10 + 6 months = Thu 09-10.
    d = one("litigation", CaseEvents(decision_served_on=D(2026, 3, 10)), D(2026, 3, 10))
    assert (d.due_on, d.basis, d.provisional) == (D(2026, 9, 10), "《行政诉讼法》第四十六条", False)
    d = one("litigation", CaseEvents(decision_served_on=D(2026, 3, 10),
                                     litigation_on=D(2026, 6, 1)), D(2026, 6, 2))
    assert (d.status, d.done_on) == ("met", D(2026, 6, 1))
    # Served 04-07 + 6 months = 10-07 (国庆节) → Thu 10-08.
    assert one("litigation", CaseEvents(decision_served_on=D(2026, 4, 7)),
               D(2026, 4, 7)).due_on == D(2026, 10, 8)
    # Served Mon 08-31 + 6 months → 2027-02-28 (no 02-31): a Sunday in a year without data →
    # Mon 2027-03-01, provisional.
    d = one("litigation", CaseEvents(decision_served_on=D(2026, 8, 31)), D(2026, 8, 31))
    assert (d.due_on, d.provisional) == (D(2027, 3, 1), True)
    assert one("payment", CaseEvents(decision_served_on=D(2026, 8, 31)),
               D(2026, 8, 31)).provisional is False  # 09-15, a Tuesday in 2026


# --- court enforcement (申请法院强制执行) -------------------------------------------------------


def test_court_enforcement_window_and_earliest_date():
    # Served Tue 03-10: reconsideration ends Sat 05-09 (make-up), litigation Thu 09-10; the later
    # is 09-10, + 3 months = Thu 12-10.
    # 催告书 served Mon 09-14: 15 (1), 16 (2), 17 (3), 18 (4), Sun 20 make-up (5), 21 (6), 22 (7),
    # 23 (8), 24 (9), [25..27 中秋], Mon 28 (10) → apply from Tue 09-29 (after the remedy
    # periods lapse on 09-10 too).
    events = CaseEvents(decision_served_on=D(2026, 3, 10), demand_served_on=D(2026, 9, 14))
    d = one("court_enforcement", events, D(2026, 9, 14))
    assert (d.due_on, d.earliest_on, d.status, d.owner) == (
        D(2026, 12, 10), D(2026, 9, 29), "open", "bureau")
    assert d.basis == "《行政强制法》第五十三条、第五十四条"
    assert d.to_dict() == {
        "kind": "court_enforcement", "label": "申请法院强制执行期限", "due_on": "2026-12-10",
        "basis": "《行政强制法》第五十三条、第五十四条", "owner": "bureau", "status": "open",
        "provisional": False, "start_event": "decision_served_on", "start_on": "2026-03-10",
        "done_on": None, "earliest_on": "2026-09-29"}
    # 催告书 served Wed 09-23: 24 (1), 28 (2), 29 (3), 30 (4), [国庆节], 10-08 (5), 09 (6),
    # Sat 10 (7), 12 (8), 13 (9), 14 (10) → from Thu 10-15.
    later = CaseEvents(decision_served_on=D(2026, 3, 10), demand_served_on=D(2026, 9, 23),
                       court_applied_on=D(2026, 10, 15))
    d = one("court_enforcement", later, D(2026, 10, 20))
    assert (d.earliest_on, d.status, d.done_on) == (D(2026, 10, 15), "met", D(2026, 10, 15))
    # A 催告 before the remedy periods end: the lapse decides (09-10 → Fri 09-11).
    early = CaseEvents(decision_served_on=D(2026, 3, 10), demand_served_on=D(2026, 4, 1))
    assert one("court_enforcement", early, D(2026, 4, 1)).earliest_on == D(2026, 9, 11)
    missed = CaseEvents(decision_served_on=D(2026, 3, 10), demand_served_on=D(2026, 9, 14))
    assert one("court_enforcement", missed, D(2026, 12, 11)).status == "missed"


def test_court_enforcement_appears_only_when_enforcement_is_in_view():
    served = CaseEvents(decision_served_on=D(2026, 3, 10))  # payment due 03-25
    assert "court_enforcement" not in by_kind(served, D(2026, 3, 25))
    d = one("court_enforcement", served, D(2026, 3, 26))  # unpaid past due
    assert (d.due_on, d.earliest_on, d.status) == (D(2026, 12, 10), None, "open")
    paid = CaseEvents(decision_served_on=D(2026, 3, 10), paid_on=D(2026, 4, 1))
    assert "court_enforcement" not in by_kind(paid, D(2026, 5, 1))
    paid_after_demand = CaseEvents(decision_served_on=D(2026, 3, 10),
                                   demand_served_on=D(2026, 9, 14), paid_on=D(2026, 9, 20))
    d = one("court_enforcement", paid_after_demand, D(2027, 1, 1))
    assert (d.status, d.done_on) == ("met", D(2026, 9, 20))
    # Served 08-31: litigation ends 2027-03-01 (provisional) + 3 months = Tue 2027-06-01.
    d = one("court_enforcement", CaseEvents(decision_served_on=D(2026, 8, 31)), D(2026, 9, 16))
    assert (d.due_on, d.provisional) == (D(2027, 6, 1), True)


# --- rectification (整改期限) ------------------------------------------------------------------


def test_rectifications():
    events = CaseEvents(rectifications=(
        ("消防通道堵塞", D(2026, 4, 10), None),
        ("配电箱未接地", D(2026, 4, 10), D(2026, 4, 9)),
        ("未设警示标志", D(2026, 4, 3), D(2026, 4, 7)),
        ("", D(2026, 5, 1), None)))
    found = dl.compute(events, D(2026, 4, 10))
    assert [(d.label, d.due_on, d.status, d.done_on) for d in found] == [
        ("未设警示标志", D(2026, 4, 3), "missed", D(2026, 4, 7)),
        ("消防通道堵塞", D(2026, 4, 10), "open", None),
        ("配电箱未接地", D(2026, 4, 10), "met", D(2026, 4, 9)),
        ("整改期限", D(2026, 5, 1), "open", None)]
    assert {(d.kind, d.basis, d.owner) for d in found} == {
        ("rectification", "《安全生产法》第六十五条第一款第（三）项", "party")}
    assert dl.compute(events, D(2026, 4, 11))[1].status == "missed"


# --- the whole case, closing, order ---------------------------------------------------------------


def test_a_whole_case_sorted_by_due_date_then_kind():
    events = CaseEvents(
        filed_on=D(2026, 3, 2), notice_served_on=D(2026, 3, 10), hearing_right=True,
        hearing_requested_on=D(2026, 3, 12), hearing_notified_on=D(2026, 3, 16),
        hearing_on=D(2026, 3, 25), hearing_held_on=D(2026, 3, 25), decided_on=D(2026, 4, 1),
        decision_served_on=D(2026, 4, 3), paid_on=D(2026, 4, 10))
    found = dl.compute(events, D(2026, 4, 10))
    # statement 03-13; hearing_request 03-17; hearing Wed 03-25, back: 24 (1), 23 (2), 20 (3),
    # 19 (4), 18 (5), 17 (6), 16 (7) → notice due Mon 03-16; service from Wed 04-01: 02 (1),
    # 03 (2), [04..06 清明], 07 (3), 08 (4), 09 (5), 10 (6), Mon 13 (7); payment 04-03 + 15 =
    # Sat 04-18 → Mon 04-20; decision Mon 06-01; reconsideration 04-03 + 60: 27 in April + 31
    # in May = 58, Tue 06-02 = 60; litigation 10-03 (国庆节) → Thu 10-08.
    assert [(d.kind, d.due_on, d.status) for d in found] == [
        ("statement", D(2026, 3, 13), "met"),
        ("hearing_notice", D(2026, 3, 16), "met"),
        ("hearing_request", D(2026, 3, 17), "met"),
        ("service", D(2026, 4, 13), "met"),
        ("payment", D(2026, 4, 20), "met"),
        ("decision", D(2026, 6, 1), "met"),
        ("reconsideration", D(2026, 6, 2), "open"),
        ("litigation", D(2026, 10, 8), "open")]
    assert found[0].done_on is None  # the statement window lapsed unused
    assert found[2].done_on == D(2026, 3, 12)


def test_a_closed_case_leaves_nothing_open():
    # Withdrawn on 04-01 before the decision (due 06-01): closed, not missed.
    closed = CaseEvents(filed_on=D(2026, 3, 2), closed_on=D(2026, 4, 1))
    d = one("decision", closed, D(2026, 7, 1))
    assert (d.status, d.done_on) == ("met", D(2026, 4, 1))
    # Closed after the deadline had passed: it stays missed.
    late = CaseEvents(filed_on=D(2026, 3, 2), closed_on=D(2026, 6, 10))
    assert one("decision", late, D(2026, 7, 1)).status == "missed"
    served = CaseEvents(decision_served_on=D(2026, 3, 10), paid_on=D(2026, 3, 20),
                        closed_on=D(2026, 3, 30))
    assert {d.kind: d.status for d in dl.compute(served, D(2026, 12, 1))} == {
        "payment": "met", "reconsideration": "met", "litigation": "met"}


def test_nothing_before_its_start_event_and_bad_events_refused():
    assert dl.compute(CaseEvents(), D(2026, 3, 1)) == []
    assert [d.kind for d in dl.compute(CaseEvents(filed_on=D(2026, 3, 2)), D(2026, 3, 2))] == [
        "decision"]
    with pytest.raises(ValueError, match="decision_extensions"):
        dl.compute(CaseEvents(filed_on=D(2026, 3, 2), decision_extensions=(-5,)), D(2026, 3, 2))
    with pytest.raises(ValueError, match="filed_on"):
        dl.compute(CaseEvents(filed_on="2026-03-02"), D(2026, 3, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rectification"):
        dl.compute(CaseEvents(rectifications=(("x", D(2026, 3, 2)),)),  # type: ignore[arg-type]
                   D(2026, 3, 2))


# --- effective-dated rule sets -------------------------------------------------------------------


def rules_with(**changes) -> dict:
    """The packaged table with the 2026 rule set changed: ``statement=5`` etc."""
    data = copy.deepcopy(BASE)
    for kind, count in changes.items():
        data["rulesets"][1][kind]["count"] = count
    return data


def test_the_rule_set_in_force_on_the_start_event_applies():
    rules = dl.parse_rules(rules_with(statement=5, decision=60))
    # Served Fri 01-30 (old set, 3): Mon 02-02 (1), 03 (2), 04 (3).
    assert dl.statement_window_end(D(2026, 1, 30), rules=rules) == official(D(2026, 2, 4))
    # Served Mon 02-02 (new set, 5): 03 (1), 04 (2), 05 (3), 06 (4), Mon 09 (5).
    assert dl.statement_window_end(D(2026, 2, 2), rules=rules) == official(D(2026, 2, 9))
    # Filed 01-30, 90 days: 1 in January, 28 in February (29), 31 in March (60), 04-30 Thu (90).
    old = one("decision", CaseEvents(filed_on=D(2026, 1, 30)), D(2026, 2, 1), rules=rules)
    assert old.due_on == D(2026, 4, 30)
    # Filed 02-02, 60 days: 26 in February, 31 in March (57), 04-03 Fri (60).
    new = one("decision", CaseEvents(filed_on=D(2026, 2, 2)), D(2026, 2, 2), rules=rules)
    assert new.due_on == D(2026, 4, 3)
    # Before the first set: counted with the first set.
    assert rules.in_force(D(2020, 1, 1)) is rules.rulesets[0]
    assert rules.in_force(D(2026, 1, 31)) is rules.rulesets[0]
    assert rules.in_force(D(2026, 2, 1)) is rules.rulesets[1]


def test_the_rules_file_order_does_not_matter_and_overrides_load(tmp_path):
    data = copy.deepcopy(BASE)
    data["rulesets"].reverse()
    assert [r.effective_from for r in dl.parse_rules(data).rulesets] == [
        D(2021, 7, 15), D(2026, 2, 1)]
    text = dl.RULES_FILE.read_text(encoding="utf-8").replace('version = "2026.1"',
                                                             'version = "370830.1"')
    path = tmp_path / "deadlines.toml"
    path.write_text(text, encoding="utf-8")
    assert dl.load_rules(path).version == "370830.1"
    assert dl.load_rules(path).origin == str(path)


def _set(path: str, value):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return change


_DELETE = object()


@pytest.mark.parametrize(("change", "entry", "problem"), [
    (_set("rulesets.0.statement.days", 3), "rulesets[0] (行政处罚法", "unknown keys ['days']"),
    (_set("rulesets.1.statement.count", -3), "statement.count", "at least 1"),
    (_set("rulesets.1.decision.count", 0), "decision.count", "at least 1"),
    (_set("rulesets.1.decision.count", 90.5), "decision.count", "whole number"),
    (_set("rulesets.0.payment.unit", "weeks"), "payment.unit", "'weeks'"),
    (_set("rulesets.0.effective_to", D(2026, 2, 10)), "rulesets[1] (应急管理部令第18号施行后)",
     "overlaps rulesets[0]"),
    (_set("rulesets.0.effective_to", _DELETE), "rulesets[1]", "overlaps"),
    (_set("rulesets.0.effective_to", D(2026, 1, 20)), "rulesets[1]", "leaves a gap"),
    (_set("rulesets.1.effective_to", D(2030, 1, 1)), "rulesets[1] (应急管理部令第18号施行后)"
     ".effective_to", "must stay open"),
    (_set("rulesets.1.effective_from", "2026-02-01"), "effective_from", "needs a date"),
    (_set("rulesets.1.litigation", _DELETE), "rulesets[1]", "missing entries ['litigation']"),
    (_set("rulesets.1.surcharge.percent_per_day", -3), "surcharge.percent_per_day",
     "must be positive"),
    (_set("rulesets.1.surcharge.per_day", 3), "surcharge", "unknown keys ['per_day']"),
    (_set("rulesets.1.service.deferred_basis", "x"), "service", "unknown keys"),
    (_set("rulesets.1.payment.deferred_basis", _DELETE), "payment.deferred_basis", "non-empty"),
    (_set("rulesets.1.payment.basis", ""), "payment.basis", "non-empty"),
    (_set("rulesets.1.payment.note", 3), "payment.note", "non-empty"),
    (_set("holidays", []), "top level", "unknown keys ['holidays']"),
    (_set("version", 1), "version", "non-empty text"),
    (_set("rulesets", []), "rulesets", "at least one"),
])
def test_malformed_rules_refused_with_the_entry_named(change, entry, problem):
    data = copy.deepcopy(BASE)
    change(data)
    with pytest.raises(DeadlineRulesError) as caught:
        dl.parse_rules(data, "rules/deadlines.toml")
    message = str(caught.value)
    assert message.startswith("rules/deadlines.toml: ")
    assert entry in message and problem in message, message


def test_unreadable_rules_file_named(tmp_path):
    path = tmp_path / "deadlines.toml"
    path.write_text("version = = 1\n", encoding="utf-8")
    with pytest.raises(DeadlineRulesError, match="deadlines.toml"):
        dl.load_rules(path)
    assert isinstance(DeadlineRulesError("x"), ValueError)


# --- properties -----------------------------------------------------------------------------------


days_2025_2027 = st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31))


@props
@given(start=days_2025_2027, later=st.integers(0, 400))
def test_every_computed_due_date_is_a_working_day_after_its_start(start, later):
    events = CaseEvents(filed_on=start, notice_served_on=start, hearing_right=True,
                        decided_on=start, decision_served_on=start, demand_served_on=start)
    found = dl.compute(events, start + timedelta(days=later))
    assert {d.kind for d in found} == {
        "decision", "statement", "hearing_request", "service", "payment", "reconsideration",
        "litigation", "court_enforcement"}
    for d in found:
        assert w.is_workday(d.due_on).value, d
        assert d.due_on > d.start_on, d
        assert d.provisional == (d.due_on.year >= 2027), d  # 2027 has no official data
        assert d.status in dl.STATUSES and d.owner in dl.OWNERS
    ce = next(d for d in found if d.kind == "court_enforcement")
    assert w.is_workday(ce.earliest_on).value and ce.earliest_on > start
    assert found == sorted(found, key=lambda d: (d.due_on, d.kind))


@props
@given(hearing=st.dates(min_value=D(2025, 1, 15), max_value=D(2026, 12, 31)))
def test_the_hearing_notice_due_date_is_the_last_working_day_in_time(hearing):
    due = dl.latest_hearing_notice(hearing).value
    assert w.is_workday(due).value and due < hearing
    assert dl.hearing_notice_ok(due, hearing).value
    assert not dl.hearing_notice_ok(w.add_workdays(due, 1).value, hearing).value
    assert dl.earliest_hearing(due).value <= hearing
    # Equivalent reading: at least 7 working days d with notice < d <= hearing.
    assert w.workdays_between(due, hearing).value >= 7


@props
@given(fine=st.decimals(min_value=0, max_value=10**7, places=2),
       due=st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 12, 31)),
       a=st.integers(-5, 60), b=st.integers(0, 60),
       pause=st.tuples(st.integers(-10, 60), st.integers(0, 20)))
def test_surcharge_is_monotone_and_never_above_the_fine(fine, due, a, b, pause):
    assume(fine.is_finite())
    windows = [(due + timedelta(days=pause[0]), due + timedelta(days=pause[0] + pause[1]))]
    first, second = due + timedelta(days=a), due + timedelta(days=a + b)
    s1, s2 = (dl.surcharge(fine, due, on, windows) for on in (first, second))
    assert Decimal(0) <= s1 <= s2 <= fine
    assert dl.surcharge(fine, due, second) >= s2  # pausing never raises it
    if a <= 0:
        assert s1 == 0

"""The 行政处罚 procedure as a table (DESIGN.md "State machines are tables").

Each row is one action: the states it may start from, the state it leads to (``None``: the case
stays where it is — a record such as a statement or a payment), the role that may take it, the
fields it requires, the guards that must hold (named; ``service.GUARDS`` implements them and says
why one fails) and its effects (named; ``service.EFFECTS``). ``allowed_actions`` and the action
forms on the case page are read from this table and nothing else.

General procedure (行政处罚法 第五章第三节; DOMAIN.md §3.2):
预立案 → 立案审批 → 调查取证 → 案件处理呈批 → 告知 (陈述申辩 / 听证) → [听证] → 法制审核
→ [集体讨论] → 决定 → 送达 → 执行 → 结案审批 → 结案 → 归档;
side exits 不予立案, 不予处罚, 移送, 撤案.
Summary procedure (简易程序, 第五十一条): 当场处罚 → 送达 → 执行 → 结案审批 (备案) → 结案.
"""

from __future__ import annotations

from dataclasses import dataclass

from enforcement.core.i18n import N_

STATES: dict[str, str] = {
    "pre_filing": N_("预立案"),
    "filing_review": N_("立案审批"),
    "investigating": N_("调查取证"),
    "proposal_review": N_("案件处理呈批"),
    "notice_pending": N_("待告知"),
    "notified": N_("告知期（陈述申辩）"),
    "hearing_requested": N_("已申请听证"),
    "hearing_scheduled": N_("听证已通知"),
    "legal_review": N_("法制审核"),
    "pending_decision": N_("待决定"),
    "summary": N_("当场处罚"),
    "decided": N_("已决定待送达"),
    "executing": N_("执行中"),
    "closing_review": N_("结案审批"),
    "closed": N_("已结案"),
    "archived": N_("已归档"),
    "not_filed": N_("不予立案"),
    "no_penalty": N_("不予处罚"),
    "transferred": N_("已移送"),
    "withdrawn": N_("已撤案"),
}

# states where nothing is awaited any more (deadlines stop; reopen may bring a case back)
FINAL_STATES = frozenset({"closed", "archived", "not_filed", "no_penalty", "transferred",
                          "withdrawn"})
# before a decision: the decision deadline runs, the case may be transferred or withdrawn
UNDECIDED = ("investigating", "proposal_review", "notice_pending", "notified",
             "hearing_requested", "hearing_scheduled", "legal_review", "pending_decision")


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    role: str                      # officer | leader | reviewer
    fields: tuple[str, ...] = ()   # required fields of the payload
    optional: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    team_only: bool = False        # officers must be on the case's team
    date_field: str | None = None  # the legal date the action records (defaults to today)
    basis: str = ""                # the rule it follows


ACTIONS: tuple[Action, ...] = (
    Action("submit_filing", N_("提请立案审批"), ("pre_filing",), "filing_review", "officer",
           guards=("team_of_two", "has_violation"), team_only=True,
           basis=N_("《行政处罚法》第五十四条")),
    Action("approve_filing", N_("批准立案"), ("filing_review",), "investigating", "leader",
           optional=("filed_on", "opinion"), guards=("filed_after_discovery",),
           effects=("assign_number", "open_lead"), date_field="filed_on",
           basis=N_("《行政处罚法》第五十四条第二款")),
    Action("reject_filing", N_("不予立案"), ("filing_review",), "not_filed", "leader",
           fields=("reason",), effects=("record_outcome",)),
    Action("conclude_investigation", N_("调查终结，提出处理意见"), ("investigating",),
           "proposal_review", "officer", fields=("proposed_penalty",),
           guards=("filed", "has_evidence"), effects=("set_proposal",), team_only=True,
           basis=N_("《行政处罚法》第五十七条")),
    Action("approve_proposal", N_("批准处理意见"), ("proposal_review",), "notice_pending",
           "leader", optional=("opinion",), effects=("set_rights",),
           basis=N_("《行政处罚法》第五十七条")),
    Action("return_proposal", N_("退回补充调查"), ("proposal_review",), "investigating",
           "leader", fields=("opinion",)),
    Action("serve_notice", N_("送达行政处罚告知书"), ("notice_pending",), "notified", "officer",
           optional=("served_on", "method"), team_only=True, date_field="served_on",
           effects=("record_notice",), basis=N_("《行政处罚法》第四十四条、第六十三条")),
    Action("record_statement", N_("记录陈述申辩"), ("notified",), None, "officer",
           fields=("statement",), optional=("statement_on", "adopted"), team_only=True,
           date_field="statement_on", effects=("record_statement",),
           basis=N_("《行政处罚法》第四十五条")),
    Action("waive_rights", N_("当事人放弃陈述申辩和听证"), ("notified",), None, "officer",
           optional=("waived_on", "note"), team_only=True, date_field="waived_on",
           guards=("not_waived",), effects=("record_waiver",),
           basis=N_("《行政处罚法》第六十二条")),
    Action("request_hearing", N_("当事人申请听证"), ("notified",), "hearing_requested",
           "officer", optional=("requested_on",), team_only=True, date_field="requested_on",
           guards=("hearing_right", "hearing_request_in_time"), effects=("record_request",),
           basis=N_("《行政处罚法》第六十四条第（一）项")),
    Action("schedule_hearing", N_("送达听证通知书"), ("hearing_requested",),
           "hearing_scheduled", "officer", fields=("hearing_on",),
           optional=("notified_on", "place", "chair_id", "chair"), team_only=True,
           date_field="notified_on", guards=("hearing_notice_ahead", "hearing_chair_independent"),
           effects=("record_schedule",), basis=N_("《行政处罚法》第六十四条第（二）、（四）项")),
    Action("record_hearing", N_("记录听证"), ("hearing_scheduled",), "notified", "officer",
           fields=("record", "report"), optional=("held_on", "chair_id", "chair", "absent"),
           team_only=True, date_field="held_on",
           guards=("hearing_day_reached", "hearing_chair_independent"),
           effects=("record_hearing",), basis=N_("《行政处罚法》第六十四条、第六十五条")),
    Action("submit_review", N_("提请法制审核"), ("notified",), "legal_review", "officer",
           guards=("party_heard",), team_only=True,
           basis=N_("《行政处罚法》第五十八条")),
    Action("approve_review", N_("法制审核通过"), ("legal_review",), "pending_decision",
           "reviewer", fields=("points", "opinion"),
           guards=("reviewer_qualified", "reviewer_independent"),
           effects=("record_review",), basis=N_("《行政处罚法》第五十八条")),
    Action("return_review", N_("法制审核退回"), ("legal_review",), "notified", "reviewer",
           fields=("opinion",), optional=("points",),
           guards=("reviewer_qualified", "reviewer_independent"),
           effects=("record_review",), basis=N_("《行政处罚法》第五十八条")),
    Action("record_discussion", N_("记录集体讨论"), ("notified", "pending_decision"), None,
           "leader", fields=("conclusion", "participants"), optional=("held_on",),
           date_field="held_on", effects=("record_discussion",),
           basis=N_("《行政处罚法》第五十七条第二款")),
    Action("decide", N_("作出处罚决定"), ("notified", "pending_decision"), "decided",
           "leader", optional=("decided_on", "fine", "publish", "other", "reason"),
           date_field="decided_on",
           guards=("filed", "party_heard", "review_done", "discussion_done",
                   "within_decision_time"),
           effects=("record_decision",), basis=N_("《行政处罚法》第五十七条、第五十九条")),
    Action("decide_on_spot", N_("当场作出处罚决定"), ("summary",), "executing", "officer",
           fields=("penalty",), optional=("decided_on", "statement"),
           date_field="decided_on", guards=("team_of_two",), team_only=True,
           effects=("record_summary_decision",), basis=N_("《行政处罚法》第五十一条、第五十二条")),
    Action("convert_to_general", N_("转为普通程序"), ("summary",), "pre_filing", "officer",
           fields=("reason",), team_only=True, effects=("convert_procedure",),
           basis=N_("《行政处罚法》第五十一条、第五十四条")),
    Action("serve_decision", N_("送达处罚决定书"), ("decided",), "executing", "officer",
           optional=("served_on", "method", "consent", "receiver"), team_only=True,
           date_field="served_on", effects=("record_service",),
           basis=N_("《行政处罚法》第六十一条")),
    Action("record_payment", N_("登记缴款"), ("executing",), None, "officer",
           fields=("amount",), optional=("paid_on", "receipt"), team_only=True,
           date_field="paid_on", guards=("fine_due",), effects=("record_payment",),
           basis=N_("《行政处罚法》第六十七条")),
    Action("approve_deferral", N_("批准延期（分期）缴纳"), ("executing",), None, "leader",
           fields=("due_on", "reason"), guards=("fine_due", "payment_not_overdue"),
           effects=("record_deferral",), basis=N_("《行政处罚法》第六十六条第二款")),
    Action("serve_demand", N_("送达催告书"), ("executing",), None, "officer",
           optional=("served_on",), team_only=True, date_field="served_on",
           guards=("payment_overdue",), effects=("record_demand",),
           basis=N_("《中华人民共和国行政强制法》第五十四条")),
    Action("record_appeal", N_("登记行政复议或行政诉讼"), ("executing",), None, "officer",
           fields=("appeal_kind",), optional=("appealed_on", "agency", "note"), team_only=True,
           date_field="appealed_on", guards=("no_appeal_under_way",),
           effects=("open_appeal",), basis=N_("《行政处罚法》第七十三条")),
    Action("record_appeal_end", N_("登记复议决定或裁判生效"), ("executing",), None, "officer",
           optional=("ended_on", "note"), team_only=True, date_field="ended_on",
           guards=("appeal_under_way",), effects=("close_appeal",),
           basis=N_("《行政处罚法》第七十三条")),
    Action("apply_enforcement", N_("申请人民法院强制执行"), ("executing",), None, "leader",
           optional=("applied_on", "court"), date_field="applied_on",
           guards=("no_appeal_under_way", "enforcement_window"), effects=("record_enforcement",),
           basis=N_("《中华人民共和国行政强制法》第五十三条、第五十四条")),
    Action("submit_closing", N_("提请结案"), ("executing",), "closing_review", "officer",
           optional=("summary",), team_only=True, guards=("executed", "no_appeal_under_way"),
           basis=N_("《安全生产执法程序规定》结案")),
    Action("approve_closing", N_("批准结案"), ("closing_review",), "closed", "leader",
           optional=("closed_on", "opinion"), date_field="closed_on",
           effects=("record_closing",)),
    Action("return_closing", N_("退回结案申请"), ("closing_review",), "executing", "leader",
           fields=("opinion",)),
    Action("archive", N_("归档"),
           ("closed", "not_filed", "no_penalty", "transferred", "withdrawn"), "archived",
           "officer", optional=("archive_no",), team_only=True, effects=("record_archive",)),
    Action("no_penalty", N_("决定不予处罚"),
           ("investigating", "proposal_review", "notified", "pending_decision"),
           "no_penalty", "leader", fields=("ground", "reason", "education"),
           optional=("pledge_file_ids", "decided_on"), date_field="decided_on",
           guards=("no_penalty_ground",), effects=("record_outcome",),
           basis=N_("《行政处罚法》第三十三条")),
    Action("transfer", N_("移送"), ("pre_filing", "filing_review", "summary", *UNDECIDED),
           "transferred",
           "leader", fields=("agency", "reason"), optional=("criminal", "transferred_on"),
           date_field="transferred_on", effects=("record_outcome",),
           basis=N_("《行政处罚法》第二十七条、第五十七条第一款第（四）项")),
    Action("withdraw", N_("撤案"), ("pre_filing", "filing_review", "summary", *UNDECIDED),
           "withdrawn",
           "leader", fields=("reason",), effects=("record_outcome",)),
    Action("reopen", N_("重新启用案件"),
           ("closed", "not_filed", "no_penalty", "transferred", "withdrawn"), None, "leader",
           fields=("reason",), effects=("reopen",)),
    Action("extend_decision_deadline", N_("延长办案期限"), UNDECIDED, None, "leader",
           fields=("days", "reason"), guards=("filed", "decision_time_running"),
           effects=("record_extension",),
           basis=N_("《行政处罚法》第六十条")),
)

BY_NAME: dict[str, Action] = {a.name: a for a in ACTIONS}
ACTION_LABELS: dict[str, str] = {a.name: a.label for a in ACTIONS}
ACTION_LABELS.update({
    "create": N_("登记案件（预立案）"), "add_evidence": N_("登记证据"),
    "add_interview": N_("制作询问笔录"), "set_team": N_("调整承办人"),
    "withdraw_publication": N_("撤回公示"), "convert_procedure": N_("转为普通程序"),
})
ROLES = ("officer", "leader", "reviewer")


def actions_from(state: str) -> list[Action]:
    """The table's actions that start from ``state``, in table order."""
    return [a for a in ACTIONS if state in a.sources]


def check_table() -> None:
    """Every state is reachable and named; every action's states exist (run by the tests and at
    start-up, so a broken edit of the table cannot ship)."""
    for action in ACTIONS:
        for state in (*action.sources, *([action.target] if action.target else [])):
            if state not in STATES:
                raise ValueError(f"action {action.name}: unknown state {state}")
        if action.role not in ROLES:
            raise ValueError(f"action {action.name}: unknown role {action.role}")
    targets = {a.target for a in ACTIONS if a.target} | {"pre_filing", "summary"}
    if unreachable := sorted(set(STATES) - targets):
        raise ValueError(f"unreachable states: {unreachable}")

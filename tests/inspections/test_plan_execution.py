"""A plan task inspected: the task is done, the plan's execution counts it, the page links it."""

from tests.conftest import bearer
from tests.inspections.conftest import Recorder


def test_task_inspection_moves_the_plan_execution(client, make_user, make_enterprise,
                                                  api_token, frozen, login):
    officers = [make_user(["officer"]) for _ in range(3)]
    for _ in range(4):
        make_enterprise(industry_code="F5211", standardization_grade="2")
    dust = make_enterprise(industry_code="C3311", dust_explosion=True)   # class B
    leader = make_user(["leader"])
    lead_token = api_token(leader)
    plan = client.post("/api/v1/plans", headers=bearer(lead_token), json={
        "year": 2026, "seed": 11}).get_json()
    for action in ("submit", "approve", "publish"):
        plan = client.post(f"/api/v1/plans/{plan['id']}/actions", headers=bearer(lead_token),
                           json={"action": action, "version": plan["version"]}).get_json()
    tasks = client.get(f"/api/v1/plans/{plan['id']}/tasks?page_size=100",
                       headers=bearer(lead_token)).get_json()
    task = tasks[0]
    by_id = {o.id: o for o in officers}
    team = [by_id[i] for i in task["officer_ids"]]
    token = api_token(team[0])
    started = client.post("/api/v1/inspections", headers=bearer(token), json={
        "task_id": task["id"], "officer_ids": task["officer_ids"]})
    assert started.status_code == 201, started.get_json()
    again = client.post("/api/v1/inspections", headers=bearer(token), json={
        "task_id": task["id"], "officer_ids": task["officer_ids"]})
    assert again.status_code == 201            # a second visit of an open task is allowed
    record = Recorder(client, token, started.get_json())
    record.answer_all("pass")
    record.sign_everyone(team)
    assert record.act("complete").status_code == 200
    done = client.post("/api/v1/inspections", headers=bearer(token), json={
        "task_id": task["id"], "officer_ids": task["officer_ids"]})
    assert done.status_code == 422 and "task_id" in done.get_json()["errors"]

    execution = client.get(f"/api/v1/plans/{plan['id']}/execution",
                           headers=bearer(lead_token)).get_json()
    assert execution["done"] == 1 and execution["planned"] == len(tasks)
    assert execution["by_month"][str(task["month"])]["done"] == 1
    past_open = sum(1 for t in tasks if t["month"] < 11 and t["id"] != task["id"])
    assert execution["overdue"] == past_open
    b = execution["coverage"]["B"]
    assert b["enterprises"] == 1
    assert b["inspected"] == (1 if task["enterprise_id"] == dust.id else 0)
    login(leader)
    page = client.get(f"/plans/{plan['id']}").get_data(as_text=True)
    assert 'data-testid="execution"' in page and f'task-inspection-{task["id"]}' in page

"""Factories for case tests: a team, a leader, a reviewer, a plant, and a driver that moves a
case through the API."""

from datetime import UTC, date, datetime

import pytest

from enforcement.core import clock
from tests.conftest import bearer
from tests.inspections.conftest import photo_bytes


def at(day: date, hour: int = 2) -> datetime:
    """A moment on ``day`` (10:00 in Shanghai with the default hour)."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


class CaseDriver:
    """One case through the API, each call as a given user."""

    def __init__(self, client, tokens, body):
        self.client, self.tokens, self.body = client, tokens, body

    @property
    def id(self):
        return self.body["id"]

    def get(self, who="officer"):
        self.body = self.client.get(f"/api/v1/cases/{self.id}",
                                    headers=bearer(self.tokens[who])).get_json()
        return self.body

    def act(self, who, action, **payload):
        version = payload.pop("version", None) or self.get(who)["version"]
        response = self.client.post(f"/api/v1/cases/{self.id}/actions",
                                    headers=bearer(self.tokens[who]),
                                    json={"action": action, "version": version, **payload})
        if response.status_code == 200:
            self.body = response.get_json()
        return response

    def ok(self, who, action, **payload):
        response = self.act(who, action, **payload)
        assert response.status_code == 200, (action, response.get_json())
        return response.get_json()

    def evidence(self, who="officer", **fields):
        upload = self.client.post("/api/v1/files", headers=bearer(self.tokens[who]),
                                  data={"file": (__import__("io").BytesIO(photo_bytes()),
                                                 "scene.jpg")},
                                  content_type="multipart/form-data")
        assert upload.status_code == 201, upload.get_json()
        body = {"kind": "audiovisual", "title": "现场照片", "file_ids": [upload.get_json()["id"]],
                "place": "车间", **fields}
        response = self.client.post(f"/api/v1/cases/{self.id}/evidence",
                                    headers=bearer(self.tokens[who]), json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def to_notice(self, codes_fines, **proposal):
        """Filed, evidence collected, concluded with one fine per violation, proposal approved:
        the notice is ready to be served."""
        self.ok("officer", "submit_filing")
        self.ok("leader", "approve_filing")
        self.evidence()
        self.ok("officer", "conclude_investigation", proposed_penalty={"items": [
            {"violation_code": c, "fine": f} for c, f in codes_fines], **proposal})
        return self.ok("leader", "approve_proposal")

    def to_decision(self, codes_fines):
        """… notice served today, the party waives its rights, the leader decides."""
        self.to_notice(codes_fines)
        self.ok("officer", "serve_notice")
        self.ok("officer", "waive_rights")
        return self.ok("leader", "decide")

    def deadline(self, kind):
        return next((d for d in self.get()["deadlines"] if d["kind"] == kind), None)


@pytest.fixture
def people(make_user, api_token):
    a, b = make_user(["officer"]), make_user(["officer"])
    leader = make_user(["leader"])
    reviewer = make_user(["reviewer"], legal_qualified=True)
    users = {"officer": a, "officer2": b, "leader": leader, "reviewer": reviewer}
    tokens = {k: api_token(u) for k, u in users.items()}
    return users, tokens


@pytest.fixture
def plant(make_enterprise):
    return make_enterprise(industry_code="C3311", dust_explosion=True, address="南站镇工业园1号",
                           legal_representative="张三")


@pytest.fixture
def open_case(client, people, plant, frozen):
    """A case in 预立案 against ``plant`` with the two officers, opened on 2026-11-02."""
    users, tokens = people

    def make(codes=("SCL99-2",), **extra):
        body = {"enterprise_id": plant.id, "source": "complaint",
                "facts": "现场发现除尘系统未按规定维护。",
                "violation_codes": list(codes), "discovered_on": "2026-11-02",
                "officer_ids": [users["officer"].id, users["officer2"].id], **extra}
        response = client.post("/api/v1/cases", headers=bearer(tokens["officer"]), json=body)
        assert response.status_code == 201, response.get_json()
        return CaseDriver(client, tokens, response.get_json())

    return make


def set_day(day: date, hour: int = 2) -> None:
    clock.freeze(at(day, hour))

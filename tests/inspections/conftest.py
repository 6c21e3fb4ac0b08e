"""Factories for inspection tests: a team, a dust-explosion plant, a drawn signature."""

import base64
import io

import pytest
from PIL import Image, ImageDraw

from tests.conftest import bearer


def signature_png() -> str:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (120, 20), (250, 70)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def photo_bytes(fmt="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(out, fmt)
    return out.getvalue()


@pytest.fixture
def team(make_user, api_token):
    a, b = make_user(["officer"]), make_user(["officer"])
    return a, b, api_token(a)


@pytest.fixture
def plant(make_enterprise):
    return make_enterprise(industry_code="C3311", dust_explosion=True, address="南站镇工业园1号")


class Recorder:
    """Drives one record through the API."""

    def __init__(self, client, token, inspection):
        self.client, self.token, self.body = client, token, inspection

    @property
    def id(self):
        return self.body["id"]

    def url(self, tail=""):
        return f"/api/v1/inspections/{self.id}{tail}"

    def refresh(self):
        self.body = self.client.get(self.url(), headers=bearer(self.token)).get_json()
        return self.body

    def answer(self, code, result, **extra):
        return self.client.put(self.url(f"/items/{code}"), headers=bearer(self.token),
                               json={"result": result, **extra})

    def answer_all(self, result="pass", skip=()):
        for item in self.refresh()["items"]:
            if item["code"] not in skip and item["result"] is None:
                assert self.answer(item["code"], result).status_code == 200

    def sign_everyone(self, officers, representative="王经理"):
        for officer in officers:
            r = self.client.post(self.url("/signatures"), headers=bearer(self.token), json={
                "role": "officer", "user_id": officer.id, "image": signature_png()})
            assert r.status_code == 201, r.get_json()
        r = self.client.post(self.url("/signatures"), headers=bearer(self.token), json={
            "role": "representative", "name": representative, "image": signature_png()})
        assert r.status_code == 201, r.get_json()

    def act(self, action, **extra):
        return self.client.post(self.url("/actions"), headers=bearer(self.token),
                                json={"action": action, "version": self.refresh()["version"],
                                      **extra})


@pytest.fixture
def start(client, team, plant, frozen):
    a, b, token = team

    def begin(**extra):
        body = {"enterprise_id": plant.id, "officer_ids": [a.id, b.id],
                "reason": "专项检查", **extra}
        response = client.post("/api/v1/inspections", headers=bearer(token), json=body)
        assert response.status_code == 201, response.get_json()
        return Recorder(client, token, response.get_json())

    return begin

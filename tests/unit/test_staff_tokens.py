"""Staff tokens issued by the administrator: shown once, stored as a hash with an expiry,
refused once expired; shipped demo tokens are recognised as such."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app as mcu
from kit import problems
from kit.demo import demo_token_sha256
from kit.directory import SHIPPED_DIRECTORY, load_directory
from kit.staff import caller

DIRECTORY = """# Справочник (комментарий администратора остаётся)
municipality: Тестовый район
timezone: Europe/Moscow
organizations:
- id: mcu
  name: МЦУ
  kind: mcu
people:
- id: u-1
  name: Иванова И. И.
  organization: mcu
  roles: [analyst]  # аналитик
"""


def test_a_new_token_is_printed_once_and_stored_as_its_hash(tmp_path):
    path = tmp_path / "directory.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    result = CliRunner().invoke(mcu, ["staff", "token", "u-1", "--directory", str(path),
                                      "--days", "30"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    text = path.read_text(encoding="utf-8")
    assert token not in text and hashlib.sha256(token.encode()).hexdigest() in text
    assert "# Справочник (комментарий администратора остаётся)" in text and "# аналитик" in text
    directory, _ = load_directory(path)
    person = directory.person_by_token(token)
    assert person.id == "u-1" and person.token_expires == date.today() + timedelta(days=30)


def test_an_unknown_person_gets_a_russian_refusal(tmp_path):
    path = tmp_path / "directory.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    result = CliRunner().invoke(mcu, ["staff", "token", "u-404", "--directory", str(path)])
    assert result.exit_code != 0 and "нет сотрудника u-404" in result.output


def test_an_expired_token_opens_no_door(tmp_path):
    path = tmp_path / "directory.yaml"
    expired = (date.today() - timedelta(days=1)).isoformat()
    digest = hashlib.sha256(b"old-token").hexdigest()
    path.write_text(DIRECTORY.replace("  roles: [analyst]  # аналитик",
                                      f"  roles: [analyst]\n  token_sha256: {digest}\n"
                                      f"  token_expires: {expired}"), encoding="utf-8")
    directory, _ = load_directory(path)
    api = FastAPI()
    problems.install(api)

    @api.get("/who")
    def who(person=Depends(caller(directory))):
        return {"id": person.id}

    answer = TestClient(api).get("/who", headers={"Authorization": "Bearer old-token"})
    assert (answer.status_code, answer.json()["code"]) == (401, "token_expired")
    assert "выпустить новый" in answer.json()["detail"]


def test_every_shipped_token_is_a_demo_token():
    directory, _ = load_directory(SHIPPED_DIRECTORY)
    with_tokens = [p for p in directory.people.values() if p.token_sha256]
    assert with_tokens and all(p.token_sha256 == demo_token_sha256(p.id) for p in with_tokens)


def test_a_staff_door_refuses_a_stranger_before_it_parses_the_body(tmp_path):
    from pydantic import BaseModel

    from kit.staff import StaffTokenFirst

    path = tmp_path / "directory.yaml"
    digest = hashlib.sha256(b"good-token").hexdigest()
    path.write_text(DIRECTORY.replace("  roles: [analyst]  # аналитик",
                                      f"  roles: [analyst]\n  token_sha256: {digest}"),
                    encoding="utf-8")
    directory, _ = load_directory(path)

    class Body(BaseModel):
        n: int

    api = FastAPI()
    problems.install(api)

    @api.post("/api/v1/thing")
    def thing(body: Body, person=Depends(caller(directory))):
        return {"n": body.n, "who": person.id}

    api.add_middleware(StaffTokenFirst, directory=directory)
    client = TestClient(api)
    junk = {"content": b"{not json", "headers": {"Content-Type": "application/json"}}
    stranger = client.post("/api/v1/thing", **junk)
    assert (stranger.status_code, stranger.json()["code"]) == (401, "unauthorized")
    known = client.post("/api/v1/thing", content=junk["content"],
                        headers=junk["headers"] | {"Authorization": "Bearer good-token"})
    assert (known.status_code, known.json()["code"]) == (422, "validation_failed")


def test_in_a_deployment_the_token_is_written_where_the_person_is_kept(tmp_path, monkeypatch):
    import shutil

    from kit.deployment import SHIPPED_DEPLOYMENT, load_deployment

    tree = tmp_path / "deployment"
    shutil.copytree(SHIPPED_DEPLOYMENT.parent, tree)
    monkeypatch.delenv("MCU_ROUTING_DIRECTORY", raising=False)
    monkeypatch.setenv("MCU_DEPLOYMENT", str(tree / "deployment.yaml"))
    issued = {}
    for person in ("sm-head", "r-rostov-curator"):  # a municipality's, the region's
        result = CliRunner().invoke(mcu, ["staff", "token", person])
        assert result.exit_code == 0, result.output
        issued[person] = result.stdout.strip().splitlines()[-1]
    deployment = load_deployment(tree / "deployment.yaml")
    assert {p: deployment.person_by_token(t).id for p, t in issued.items()} == {
        "sm-head": "sm-head", "r-rostov-curator": "r-rostov-curator"}
    assert issued["sm-head"] not in (tree / "semikarakorsky" / "directory.yaml").read_text()
    assert deployment.person_by_token("demo-sm-head") is None  # the old token is gone
    revoked = CliRunner().invoke(mcu, ["staff", "revoke", "r-rostov-curator"])
    assert revoked.exit_code == 0, revoked.output
    assert load_deployment(tree / "deployment.yaml").person_by_token(
        issued["r-rostov-curator"]) is None
    unknown = CliRunner().invoke(mcu, ["staff", "token", "x-nobody"])
    assert unknown.exit_code != 0 and "нет сотрудника x-nobody" in unknown.output

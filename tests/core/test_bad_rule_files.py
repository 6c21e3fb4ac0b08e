"""A bureau's broken rule file stops the app at start-up, naming the file and the problem."""

import pytest

from enforcement import create_app


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("risk_rules.toml", "name = 'x'\nversion = 1\n[[factors]]\nclass = 'Q'\n", "risk_rules.toml"),
    ("plan_rules.toml", "this is not toml = = =\n", "plan_rules.toml"),
    ("townships.toml", "version = '1'\ntownships = []\n", "townships.toml"),
])
def test_bad_rule_file_stops_the_app(tmp_path, monkeypatch, name, content, expected):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / name).write_text(content, encoding="utf-8")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(Exception) as caught:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                    "SECRET_KEY": "x"})
    assert expected in str(caught.value)

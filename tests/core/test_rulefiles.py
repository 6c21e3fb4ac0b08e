"""A bureau overrides a rule table by dropping a file into instance/rules/."""

from pathlib import Path

from flask import Flask

from enforcement.core.rulefiles import override_path, rule_file

DEFAULT = Path("/nonexistent/data/risk_rules.toml")


def test_packaged_file_without_override(tmp_path):
    assert rule_file(DEFAULT, str(tmp_path)) == DEFAULT
    assert override_path("risk_rules.toml", str(tmp_path)) is None


def test_instance_file_wins(tmp_path):
    (tmp_path / "rules").mkdir()
    own = tmp_path / "rules" / "risk_rules.toml"
    own.write_text("name = 'county'\n", encoding="utf-8")
    assert rule_file(DEFAULT, str(tmp_path)) == own
    app = Flask(__name__, instance_path=str(tmp_path))
    with app.app_context():
        assert rule_file(DEFAULT) == own

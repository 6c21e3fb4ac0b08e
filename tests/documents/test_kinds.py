"""Every kind renders from its data with embedded fonts and no missing text; the pages are
written as PNGs for a person to look at (test-artifacts/documents/kinds/); a template that uses
a field the data lacks is refused when the registry loads, naming the field."""

import shutil
import subprocess
from pathlib import Path

import pytest

from enforcement import ROOT
from enforcement.documents import builders, kinds, render

POPPLER = shutil.which("pdffonts") and shutil.which("pdftotext") and shutil.which("pdftoppm")
ARTIFACTS = ROOT / "test-artifacts" / "documents" / "kinds"
SIGNING = {"reviewer": "颜法明", "role": "法制审核人员", "at": "2026-11-18 10:00", "seal": True}


def _data(kind):
    return {**builders.SAMPLES[kind.subject], "number": "", "signing": SIGNING}


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdffonts, pdftotext, pdftoppm) is not "
                    "installed: make test installs it")
@pytest.mark.parametrize("code", sorted(kinds.load(check=False).kinds))
def test_each_kind_renders_with_embedded_fonts_and_all_its_text(code, tmp_path):
    kind = kinds.load(check=False).kinds[code]
    data = _data(kind)
    pdf = render.render(kind.template, data, draft=False)
    path = tmp_path / f"{code}.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    for row in rows:
        assert " yes " in row.split("Type")[-1] or "yes yes" in row, row   # embedded
        assert row.split()[0].split("+")[-1].startswith("PE-"), row      # our fonts only
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          text=True).stdout.replace("\n", "").replace(" ", "")
    assert kind.name.replace("（", "(").replace("）", ")")[:4] in text.replace("（", "(") \
        or kind.name[:4] in text
    assert data["agency"] in text
    name = data["party"]["name"] if "party" in data else None
    if name:
        assert name in text, f"{code}: party name not in the text"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(ARTIFACTS / code)],
                   check=True)


def test_a_template_using_a_missing_field_is_refused_at_load(tmp_path):
    broken = render.TEMPLATES / "_test_broken_kind.html"
    broken.write_text('{% extends "_base.html" %}{% block title %}坏模板{% endblock %}'
                      "{% block content %}{{ party.nickname }}{% endblock %}", encoding="utf-8")
    table = tmp_path / "kinds.toml"
    table.write_text('name = "t"\nversion = "1"\n[[kinds]]\ncode = "broken"\nname = "坏"\n'
                     'number_code = "坏"\ntemplate = "_test_broken_kind.html"\n'
                     'subject = "case"\nstep = "case.decided"\n', encoding="utf-8")
    try:
        with pytest.raises(kinds.KindsError) as caught:
            kinds.load(Path(table))
    finally:
        broken.unlink()
    assert "party.nickname" in str(caught.value) and "broken" in str(caught.value)


def test_a_template_version_covers_what_it_extends_imports_and_includes(tmp_path, monkeypatch):
    """A change to the base layout or to a shared part changes the version of every document
    printed with it (the version is stored with each document)."""
    for name, text in {
            "base.html": "<main>{% block content %}{% endblock %}</main>",
            "parts.html": "{% macro seal() %}章{% endmacro %}",
            "footer.html": "<footer>页脚</footer>",
            "doc.html": '{% extends "base.html" %}{% from "parts.html" import seal %}'
                        '{% block content %}{{ seal() }}{% include "footer.html" %}{% endblock %}',
            "other.html": "<p>无关</p>"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(render, "TEMPLATES", tmp_path)
    versions = [kinds._sha("doc.html")]
    for name in ("base.html", "parts.html", "footer.html", "other.html"):
        (tmp_path / name).write_text((tmp_path / name).read_text(encoding="utf-8") + " ",
                                     encoding="utf-8")
        versions.append(kinds._sha("doc.html"))
    assert len(set(versions[:4])) == 4 and versions[4] == versions[3]


def test_builders_give_the_fields_the_samples_promise(app, people, open_case):
    """The samples the templates are checked with have the same fields as real data."""
    case = open_case()
    with app.app_context():
        real = builders.case_data(case.id)

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(value[0])] if value else []
        return None

    sample = shape(builders.SAMPLES["case"])
    actual = shape(real)
    for key in set(sample) - {"number", "signing"}:   # those two the document service adds
        assert key in actual, f"case data lacks '{key}'"
    assert set(actual["party"]) == set(sample["party"])
    assert set(actual["case"]) == set(sample["case"])

"""The six UN languages: every catalogue complete and faithful to the English placeholders, the
report's texts in each language, and the language each person sees chosen as they asked."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from ems import PROJECT_ROOT, languages
from ems.audit.models import AuditEntry
from ems.auth import services as auth
from ems.auth.models import Role
from ems.errors import ValidationFailed
from ems.extensions import db
from tests.conftest import login_with

TRANSLATED = [code for code in languages.CODES if code != languages.DEFAULT]
#: what a translation must keep of the English: %(name)s-style and {name} placeholders, %%
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdfr]|%%|\{[a-z_]*\}")
REPORT_TEXTS = PROJECT_ROOT / "reports" / "texts"


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _catalogue(code: str) -> list:
    path = PROJECT_ROOT / "ems" / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return [message for message in read_po(po) if message.id]


def _template_ids() -> set[str]:
    with (PROJECT_ROOT / "ems" / "translations" / "messages.pot").open("rb") as pot:
        return {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in read_po(pot)
            if message.id
        }


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_marked_string_is_translated_with_the_english_placeholders(code):
    """Run `make translations`, then translate what it adds, in all six in the same change."""
    messages = _catalogue(code)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in messages}
    assert _template_ids() <= ids, f"{code}: not in the catalogue: {_template_ids() - ids}"
    problems = []
    for message in messages:
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if isinstance(message.id, str):
            pairs = [(message.id, message.string)]
        else:  # every plural form keeps the plural's placeholders
            pairs = [(message.id[1], form) for form in message.string]
        for english, translated in pairs:
            if not translated:
                problems.append(f"untranslated: {english!r}")
            elif _placeholders(translated) != _placeholders(english):
                problems.append(f"placeholders of {english!r} differ in {translated!r}")
    assert not problems, f"{code}: " + "\n".join(problems)


def test_each_language_has_a_glossary():
    for code in TRANSLATED:
        glossary = PROJECT_ROOT / "ems" / "translations" / code / "glossary.md"
        assert glossary.exists(), code
        assert glossary.read_text(encoding="utf-8").count("\n|") > 40, code  # a real table


def _flat(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_report_texts_exist_in_each_language_with_the_english_placeholders(code):
    english = _flat(tomllib.loads((REPORT_TEXTS / "en.toml").read_text(encoding="utf-8")))
    translated = _flat(tomllib.loads((REPORT_TEXTS / f"{code}.toml").read_text(encoding="utf-8")))
    assert set(translated) == set(english)
    for key, text in english.items():
        assert _placeholders(translated[key]) == _placeholders(text), (code, key)
    # names (Greening the Blue, DESNZ) stay as they are; sentences do not
    same = [key for key, text in english.items() if translated[key] == text and " " in text]
    assert len(same) <= 6, (code, same)


# --- which language a person sees ----------------------------------------------------------


def _lang_of(page: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1), match.group(2)


def test_a_visitor_follows_the_browser_then_the_header_switch(client):
    page = client.get("/auth/login", headers={"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"})
    assert _lang_of(page.get_data(as_text=True)) == ("ar", "rtl")
    assert "تسجيل الدخول" in page.get_data(as_text=True)
    page = client.get("/auth/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert _lang_of(page.get_data(as_text=True)) == ("zh-Hans", "ltr")
    # the switch is a link for visitors: a cookie, no session
    switched = client.get("/auth/language?language=fr&next=/auth/login")
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/auth/login"
    assert "ems_language=fr" in switched.headers["Set-Cookie"]
    page = client.get("/auth/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert _lang_of(page) == ("fr", "ltr")
    assert "Se connecter" in page or "Connexion" in page
    # an unknown language or a foreign address changes nothing and goes nowhere else
    refused = client.get("/auth/language?language=xx&next=https://evil.example/")
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/"
    assert (
        "Set-Cookie" not in refused.headers or "ems_language" not in refused.headers["Set-Cookie"]
    )


def test_a_user_s_preferred_language_is_saved_audited_and_wins_over_the_browser(
    client, create_user
):
    user = create_user(roles=(Role.travel,))
    login_with(client, user)
    page = client.get("/auth/account", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    assert _lang_of(page.get_data(as_text=True))[0] == "ru"  # no preference yet: the browser's
    saved = client.post("/auth/account", data={"language": "ar"})
    assert saved.status_code == 302
    page = client.get("/auth/account", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert _lang_of(page) == ("ar", "rtl")
    db.session.expire_all()
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "auth.user.language_changed")
    ).one()
    assert entry.changes == {"language": {"before": None, "after": "ar"}}
    # the header's switch saves the preference too
    switched = client.post(
        "/auth/language",
        data={"language": "es", "next": "/auth/account"},
    )
    assert switched.headers["Location"] == "/auth/account"
    page = client.get("/auth/account", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert _lang_of(page) == ("es", "ltr")
    # back to the browser's language
    client.post("/auth/account", data={"language": ""})
    page = client.get("/auth/account", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert _lang_of(page)[0] == "ru"


def test_an_unknown_preference_is_refused_by_name(create_user):
    user = create_user(roles=(Role.travel,))
    with pytest.raises(ValidationFailed) as refused:
        auth.set_language(user=user, language="de")
    assert "language" in refused.value.errors


def test_the_command_line_speaks_the_shell_s_language():
    assert languages.from_environment({"LANG": "fr_CH.UTF-8"}) == "fr"
    assert languages.from_environment({"LANGUAGE": "ar:en", "LANG": "fr_FR.UTF-8"}) == "ar"
    assert languages.from_environment({"LANG": "C.UTF-8"}) is None
    assert languages.from_environment({"LANG": "de_DE.UTF-8"}) is None
    assert languages.from_environment({}) is None


def test_every_language_is_named_in_itself():
    assert [language.name for language in languages.LANGUAGES.values()] == [
        "العربية",
        "English",
        "Español",
        "Français",
        "Русский",
        "中文",
    ]
    assert [code for code, lang in languages.LANGUAGES.items() if lang.rtl] == ["ar"]
    assert Path(PROJECT_ROOT / "ems" / "translations").is_dir()


def test_reports_are_drafted_in_the_organisation_s_report_language(app):
    from ems.org import services as org
    from ems.reporting import services as reporting

    settings = {
        "name": "Agence",
        "reporting_currency": "CHF",
        "baseline_year": 2010,
        "target_year": 2030,
        "target_reduction_pct": 45,
    }
    org.update_organisation(actor=None, report_language="fr", **settings)
    db.session.commit()
    assert org.get_organisation().report_language == "fr"
    data = reporting.annual_report_data(
        2025, report_id="EMS-2025-DRAFT", issued_on=dt.date(2025, 12, 8), draft=True
    )
    assert data["language"] == "fr"
    assert data["labels"]["source"]["air_travel"] != "Air travel"  # the labels in French
    assert data["summary"]["sentences"][0].startswith("En 2025, les émissions")
    other = reporting.annual_report_data(
        2025, report_id="EMS-2025-DRAFT", issued_on=dt.date(2025, 12, 8), draft=True, language="ru"
    )
    assert other["language"] == "ru"


def test_the_command_line_answers_in_the_shell_s_language(app, tmp_path, monkeypatch):
    from flask_babel import refresh

    from ems.cli import cli

    refresh()
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    result = app.test_cli_runner().invoke(cli, ["report", "1999", "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 1
    assert "Rien n" in result.output
    assert "1999" in result.output
    monkeypatch.setenv("LANG", "C.UTF-8")
    refresh()  # a new command is a new process: its language is read afresh
    result = app.test_cli_runner().invoke(cli, ["report", "1999", "--out", str(tmp_path / "r.pdf")])
    assert "Nothing is recorded for 1999" in result.output


def test_the_browser_s_first_language_of_the_six_wins():
    assert languages.best_of([("*", 1.0)]) is None  # any language: the default, English
    assert languages.best_of([("fr-CA", 1.0), ("en", 0.5)]) == "fr"
    assert languages.best_of([("de", 1.0), ("zh-CN", 0.8), ("en", 0.5)]) == "zh"
    assert languages.best_of([("ar", 0.0), ("ru", 0.2)]) == "ru"
    assert languages.parse("AR") == "ar"
    assert languages.parse("zh-Hans") == "zh"
    assert languages.parse("ar_EG") == "ar"
    assert languages.parse("../") is None
    assert languages.parse("x" * 5000) is None


def test_a_signed_in_user_s_language_changes_by_a_form_only(client, create_user):
    """A link from another site cannot change it: only the switch's POST, with its token."""
    login_with(client, create_user(roles=(Role.travel,)))
    followed = client.get("/auth/language?language=zh&next=/auth/account")
    assert followed.headers["Location"] == "/auth/account"
    assert "ems_language" not in followed.headers.get("Set-Cookie", "")
    page = client.get("/auth/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang_of(page)[0] == "en"
    refused = client.post("/auth/language", data={"language": "zh"}, csrf=False)
    assert refused.status_code == 400


def test_right_to_left_lines_keep_brackets_figures_and_english_whole():
    from ems.reporting.pdf import scripts

    shown = scripts.display("t (دون RF)", rtl=True)  # a column header of the flights
    assert shown.startswith("(RF ")
    assert shown.endswith(") t")
    assert scripts.display("الهدف 2030 (−45 %)", rtl=True).startswith("2030 (−45 %) ")
    # isolates a figure copied from an Arabic page brings are dropped, not fatal
    assert "Programme" in scripts.display("Global \u2067برنامج\u2069 Programme", rtl=True)
    # English broken across two lines stays left to right on both
    lines = scripts._balanced(["نص \u202aUK Government (BEIS to", "2022, DESNZ)\u202c نص"])
    assert lines == ["نص \u202aUK Government (BEIS to\u202c", "\u202a2022, DESNZ)\u202c نص"]
    assert scripts.starts_left_to_right("Checks to the maintenance contract.")
    assert not scripts.starts_left_to_right("2025 في عام")


def test_a_name_with_bidirectional_controls_does_not_stop_the_report(app):
    from ems.org import services as org
    from ems.reporting import services as reporting

    org.update_organisation(
        actor=None,
        name="Global \u2067برنامج\u2069 Programme \u2066−6.1 %\u2069",
        reporting_currency="CHF",
        baseline_year=2010,
        target_year=2030,
        target_reduction_pct=45,
    )
    db.session.commit()
    for code in ("ar", "en", "zh"):
        assert reporting.draft_pdf(2025, code).startswith(b"%PDF")

"""Every user-facing string is marked for translation and in the catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ems import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHOD_MAP = [("ems/**.py", "python"), ("templates/**.html", "jinja2")]


def _not_hidden(directory: str) -> bool:
    """Every folder but hidden ones (.venv, .git): templates/_macros holds marked text too."""
    return not Path(directory).name.startswith(".")


def _extracted() -> set[str]:
    return {
        message if isinstance(message, str) else message[0]
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT),
            method_map=METHOD_MAP,
            keywords=KEYWORDS,
            directory_filter=_not_hidden,
        )
    }


def test_english_catalogue_holds_every_marked_string():
    """Run `make translations` after adding or changing a user-facing string."""
    with Path(PROJECT_ROOT / "ems/translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in read_po(po)
            if message.id
        }
    extracted = _extracted()
    assert len(extracted) > 100  # the extraction itself works
    missing = extracted - catalogue
    assert not missing, f"not in the catalogue (run `make translations`): {sorted(missing)}"


def test_templates_mark_their_visible_text():
    """Headings, labels and buttons in templates go through _(); a crude guard for plain text."""
    import re

    plain_text = re.compile(r">\s*([A-Z][a-z]+(?: [a-z]+){1,})\s*<")
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        hits = plain_text.findall(template.read_text())
        assert not hits, f"{template}: unmarked text {hits}"

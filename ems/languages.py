"""The six official languages of the United Nations, in which ems is written.

A page is shown in the signed-in user's preferred language, else the one chosen with the
header's switch (a cookie), else the browser's best match, else English; a report is written
in the language chosen when it is drafted or issued (by default the organisation's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: the cookie the header's language switch sets for visitors who are not signed in
COOKIE = "ems_language"
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    """A language ems is written in: its code (the catalogue's), own name and direction."""

    code: str
    #: the language's name in itself, as the switch lists it
    name: str
    #: the BCP 47 tag of the page's ``lang`` attribute
    tag: str
    rtl: bool = False

    @property
    def direction(self) -> str:
        """The ``dir`` attribute of its pages: "rtl" or "ltr"."""
        return "rtl" if self.rtl else "ltr"


#: in the order of their codes, as the UN lists its official languages
LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("ar", "العربية", "ar", rtl=True),
        Language("en", "English", "en"),
        Language("es", "Español", "es"),
        Language("fr", "Français", "fr"),
        Language("ru", "Русский", "ru"),
        Language("zh", "中文", "zh-Hans"),
    )
}
CODES: tuple[str, ...] = tuple(LANGUAGES)
#: for form choices (a language is named in itself, never translated)
CHOICES: list[tuple[str, str]] = [(lang.code, lang.name) for lang in LANGUAGES.values()]


def language(code: object) -> Language:
    """The language of ``code`` (an unknown or empty code: English)."""
    return LANGUAGES.get(str(code or "").split("_")[0].lower(), LANGUAGES[DEFAULT])


def known(code: object) -> str | None:
    """``code`` if ems is written in it, else None."""
    text = str(code or "")
    return text if text in LANGUAGES else None


def from_environment(environ: Mapping[str, str]) -> str | None:
    """The language of a shell (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext reads them)
    if ems is written in it: "fr_CH.UTF-8" → "fr"; "C" or another language → None."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return known(value.split(":")[0].split(".")[0].split("_")[0].lower())
    return None

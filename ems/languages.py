"""The six official languages of the United Nations, in which ems is written.

A page is shown in the signed-in user's preferred language, else the one chosen with the
header's switch (a cookie), else the browser's best match, else English; a report is written
in the language chosen when it is drafted or issued (by default the organisation's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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


def parse(tag: object) -> str | None:
    """The language of a tag as people and browsers write it ("AR", "ar_EG", "zh-Hans",
    "fr-CH") if ems is written in it, else None."""
    primary = re.split(r"[-_.@]", str(tag or "").strip(), maxsplit=1)[0].lower()
    return known(primary) if primary.isascii() and primary.isalpha() else None


def best_of(accepted: Iterable[tuple[str, float]]) -> str | None:
    """The first language ems is written in among a browser's, by preference ("fr-CA" is
    French, before a later "en"); "*" or none of the six: None (the default)."""
    for tag, quality in sorted(accepted, key=lambda item: -item[1]):
        if quality > 0 and (code := parse(tag)) is not None:
            return code
    return None


def from_environment(environ: Mapping[str, str]) -> str | None:
    """The language of a shell (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext reads them)
    if ems is written in it: "fr_CH.UTF-8" → "fr"; "C" or another language → None."""
    locale = next(
        (environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), ""
    )
    if locale.split(".")[0] in ("", "C", "POSIX"):  # gettext ignores LANGUAGE there too
        return None
    for tag in [*environ.get("LANGUAGE", "").split(":"), locale]:
        if tag and (code := parse(tag)) is not None:
            return code
    return None

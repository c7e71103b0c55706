"""Reading a page's forms as a browser submits them, for tests that post a form back."""

from __future__ import annotations

import html.parser


class _FormReader(html.parser.HTMLParser):
    """The fields of each form of a page, with the values a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, str]] = []
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {}
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form[a["name"]] = a.get("value", "y" if kind == "checkbox" else "")
        elif tag == "select":
            self._select, self._first_option = a.get("name"), None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self._form.setdefault(self._select, self._first_option)
            if "selected" in a:
                self._form[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea:
            text = self._text.removeprefix("\r\n").removeprefix("\n")  # as HTML parsers do
            self._form[self._textarea] = text.replace("\r\n", "\n").replace("\n", "\r\n")
            self._textarea = None


def page_forms(page: str) -> list[dict[str, str]]:
    """The fields of each form of ``page`` with the values a browser would send (without the
    buttons, and with its text areas' line ends as CRLF)."""
    reader = _FormReader()
    reader.feed(page)
    return reader.forms


def form_version(page: str) -> dict[str, str]:
    """The version a page's edit form carries (``{"version_id": …}``), to post it back."""
    for form in page_forms(page):
        if "version_id" in form:
            return {"version_id": form["version_id"]}
    raise AssertionError("no form with a version on the page")

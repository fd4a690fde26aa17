"""Post an admin form the way a browser does: every field as the page rendered it, then changes.

The fields are read from the HTML, not from `response.context`: the test client's captured
contexts are shared between threads, and the race tests post from several at once."""

from html.parser import HTMLParser

from django.urls import reverse


class _FormFields(HTMLParser):
    """The successful controls of the form `form_id`, as a browser would submit them."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self._form_id = form_id
        self.data: dict[str, str] = {}
        self._in_form = self._done = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == self._form_id and not self._done:
            self._in_form = True
        if not self._in_form or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            else:
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = a.get("value", "")
            if "selected" in a:
                self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "select" and self._select:
            self.data.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(html: str, form_id: str, **changes) -> dict:
    parser = _FormFields(form_id)
    parser.feed(html)
    return {**parser.data, **changes}


def change_form_data(client, account, **changes):
    """The account's change form as rendered (main form and inlines), with `changes` applied."""
    url = reverse("admin:accounts_account_change", args=[account.pk])
    response = client.get(url)
    assert response.status_code == 200
    return url, form_data(response.content.decode(), "account_form", **changes)

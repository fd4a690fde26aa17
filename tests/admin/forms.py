"""Post an admin form the way a browser does: every field as the page rendered it, then changes."""

from django.urls import reverse


def _value(bound):
    value = bound.value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return value


def change_form_data(client, account, **changes):
    """The account's change form as rendered (main form and inlines), with `changes` applied."""
    url = reverse("admin:accounts_account_change", args=[account.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: _value(form[name]) for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = _value(management[name])
        for sub in formset.forms:
            for name in sub.fields:
                data[sub.add_prefix(name)] = _value(sub[name])
    data.update(changes)
    return url, {k: v for k, v in data.items() if v != ""}

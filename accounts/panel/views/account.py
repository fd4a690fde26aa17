"""Sign-in (django-axes throttles it), the account switcher (R-C3) and the profile page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.errors import AccountsError
from accounts.models import Membership

from .. import selectors
from ..access import Capability as C
from ..forms import ContactDetailsForm, LoginForm
from ..services import update_contact_details
from .base import PanelView, render_panel

MSG_SAVED = _("Your contact details are saved.")
MSG_NO_COMPANY = _("Your login is not attached to any company. Contact administrator.")


class LoginView(auth_views.LoginView):
    template_name = "panel/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("panel:home")

    def get_default_redirect_url(self):
        return str(self.next_page)


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("panel:login")


def home(request):
    """The account switcher as a page (R-C3). A user of a single company goes straight to it, so
    a blocked company's text is what they see after signing in (seed: ActivePlatform)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("panel:login"))
    choices = selectors.account_choices(request.user)
    if len(choices) == 1:
        return HttpResponseRedirect(reverse("panel:dashboard", args=[choices[0].number]))
    return render_panel(
        request, "panel/accounts.html", {"choices": choices, "message": MSG_NO_COMPANY}
    )


def lockout(request, *args, **kwargs):
    """django-axes: too many failed sign-ins for this username and address (a readable 429)."""
    hours = getattr(settings, "AXES_COOLOFF_TIME", 1)
    return render_panel(request, "panel/lockout.html", {"cooloff_hours": hours}, status=429)


class ProfileView(PanelView):
    capability = C.VIEW_PROFILE
    post_capability = C.EDIT_PROFILE
    nav_name = "panel:profile"

    def page(self, form, *, status=200):
        members = (
            Membership.objects.filter(account=self.account)
            .select_related("user")
            .order_by("user__username")
        )
        return self.render("panel/profile.html", {"form": form, "members": members}, status=status)

    def form(self, data=None):
        return ContactDetailsForm(
            data, user=self.request.user, editable=self.allowed(C.EDIT_PROFILE)
        )

    def get(self, request, number):
        return self.page(self.form())

    def post(self, request, number):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.page(form, status=400)
        try:
            update_contact_details(
                request.user, **form.cleaned_data, actor=Actor.customer(request.user)
            )
        except AccountsError as exc:
            form.add_error("email", exc.message)
            return self.page(form, status=400)
        messages.success(request, MSG_SAVED)
        return redirect("panel:profile", self.account.number)

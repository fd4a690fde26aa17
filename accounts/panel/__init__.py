"""The customer control panel: one access table by back-end status (DESIGN §2), thin views.

accounts owns the frame (registry.py): sign-in, the switcher, the base view and the menu, banner
and company pages that apps register from their own `panel` module. This module is accounts'
own: AccountsConfig.ready() imports it with billing's and subscriptions' `panel` modules.
"""

from django.utils.translation import gettext_lazy as _

from . import registry
from .access import Capability as C
from .views.account import ProfileView

registry.register_page("profile/", ProfileView, "profile")
# Last in the menu, after billing's (10–30, 50) and subscriptions' (40) entries.
registry.register_nav(registry.NavItem(_("Profile"), "panel:profile", C.VIEW_PROFILE, order=60))

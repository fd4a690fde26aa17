"""Top-level URLs: the operators' admin, the control panel and the service API (subscriptions'
entitlement and usage, authenticated by accounts' API keys)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Account lifecycle back office"
admin.site.site_title = "Lifecycle back office"
admin.site.index_title = "Operations"
admin.site.site_url = "/panel/"  # "View site": the customers' control panel (issue 18)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("panel/", include("accounts.panel.urls")),
    path("api/v1/", include("subscriptions.api.urls")),
    path("api/v1/", include("accounts.rest.urls")),  # the REST API (issue 19)
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]

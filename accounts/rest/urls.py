"""The REST API's URLs under /api/v1/: every registered resource, the OpenAPI schema and its docs
(Swagger UI, assets served from drf-spectacular-sidecar by whitenoise, under the CSP)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import registry

app_name = "rest"

router = SimpleRouter()
for route in registry.routes():
    router.register(route.prefix, route.viewset, basename=route.basename)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="rest:schema"), name="docs"),
    *router.urls,
]

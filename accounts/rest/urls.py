"""The REST API's URLs under /api/v1/: every registered resource, the OpenAPI schema and its docs
(Swagger UI, assets served from drf-spectacular-sidecar by whitenoise, under the CSP)."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import registry

app_name = "rest"

router = SimpleRouter()
for route in registry.routes():
    router.register(route.prefix, route.viewset, basename=route.basename)


@csrf_exempt  # an API path: no session, no CSRF page
def not_found(request, *args, **kwargs):
    """Any other path under /api/v1/: a 404 in the API's error shape, not an HTML page."""
    return JsonResponse({"error": "Not found.", "code": "not_found"}, status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="rest:schema", template_name="rest/swagger_ui.html"
        ),
        name="docs",
    ),
    *router.urls,
    # last: the service endpoints are mounted before this URLconf; [\s\S], not ".", so a path
    # with an encoded newline (%0A) is in the API's shape too (schemathesis found it)
    re_path(r"^[\s\S]*$", not_found),
]

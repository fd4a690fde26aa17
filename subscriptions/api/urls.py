"""The service API at /api/v1/ (DESIGN §6)."""

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("accounts/<str:number>/entitlement", views.entitlement, name="entitlement"),
    path("accounts/<str:number>/usage", views.usage, name="usage"),
]

"""The insights pages, mounted at /insights/ by config/urls.py."""

from __future__ import annotations

from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.analytics, name="analytics"),
    path("analytics/<slug:name>.csv", views.analytics_csv, name="analytics_csv"),
    path("unanswered/", views.unanswered_list, name="unanswered"),
    path("unanswered/new-entry/", views.new_entry, name="new_entry"),
    path("unanswered/rescore/", views.rescore, name="rescore"),
    path("unanswered/dismiss/", views.dismiss, name="dismiss"),
    path("unanswered/hidden/", views.dismissed_list, name="dismissed"),
]

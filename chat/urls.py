"""The agent dashboard's pages, mounted at /agent/ by config/urls.py."""

from __future__ import annotations

from django.urls import path

from chat import dashboard

app_name = "agent"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", dashboard.AgentLoginView.as_view(), name="login"),
    path("logout/", dashboard.AgentLogoutView.as_view(), name="logout"),
    path("conversations/<int:conversation_id>/", dashboard.transcript, name="transcript"),
]

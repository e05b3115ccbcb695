from __future__ import annotations

from django.urls import path

from frontend_widget import views

urlpatterns = [
    path("", views.index, name="index"),
    path("widget.js", views.widget_loader, name="widget-loader"),
    path("demo/<slug:slug>/", views.demo_page, name="demo-page"),
    path("privacy/<slug:slug>/", views.privacy_statement, name="privacy-statement"),
    path(
        "accessibility/<slug:slug>/", views.accessibility_statement, name="accessibility-statement"
    ),
]

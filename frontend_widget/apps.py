from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontendWidgetConfig(AppConfig):
    name = "frontend_widget"
    verbose_name = _("Chat widget")

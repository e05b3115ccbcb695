from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FaqbotConfig(AppConfig):
    name = "faqbot"
    verbose_name = _("FAQ bot")

    def ready(self) -> None:
        from faqbot import signals  # noqa: F401  (connects the revision bumps)

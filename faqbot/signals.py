"""Any change to FAQ content or to a municipality invalidates the matching indexes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from faqbot.models import FaqEntry, FaqRevision, Municipality


@receiver(post_save, sender=FaqEntry)
@receiver(post_delete, sender=FaqEntry)
@receiver(post_save, sender=Municipality)
@receiver(post_delete, sender=Municipality)
def bump_faq_revision(sender: type, **kwargs: Any) -> None:
    FaqRevision.bump()

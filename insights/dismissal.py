"""Marking a group of unanswered questions as not for the FAQ, and taking that back."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from chat.models import Message
from faqbot.models import Municipality
from insights.models import DismissedGroup, NormalisedMessage


def dismiss(
    user: AbstractBaseUser, municipality: Municipality, message_id: int
) -> DismissedGroup | None:
    """Hide the group this message represents (None: no such message of the municipality)."""
    normalised = (
        NormalisedMessage.objects.filter(
            message_id=message_id,
            message__sender=Message.Sender.RESIDENT,
            message__conversation__municipality=municipality,
        )
        .select_related("message")
        .first()
    )
    if normalised is None or not normalised.text:
        return None
    dismissed, _created = DismissedGroup.objects.get_or_create(
        municipality=municipality,
        language=normalised.language,
        normalised_text=normalised.text,
        defaults={"example": normalised.message.text[:1000], "dismissed_by": user},
    )
    return dismissed


def restore(dismissed: DismissedGroup) -> None:
    dismissed.delete()

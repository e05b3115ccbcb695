"""Residents' contact requests: left when nobody could chat, handled by agents."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from chat.access import Refusal
from chat.events import contacts_changed_on_commit
from chat.models import AgentProfile, ContactRequest, Conversation
from chat.protocol import ContactFrame

# A conversation may leave this many; more is someone pressing the button in a loop.
MAX_PER_CONVERSATION = 5
OPEN_REQUESTS_SHOWN = 200


def create_contact_request(conversation_id: int, fields: ContactFrame) -> ContactRequest | None:
    """Store the request for the municipality that serves the conversation, and tell its
    agents. None when the conversation has left too many already."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conversation.contact_requests.count() >= MAX_PER_CONVERSATION:
            return None
        request = ContactRequest.objects.create(
            municipality_id=conversation.service_municipality_id,
            conversation=conversation,
            language=conversation.language,
            name=fields.name,
            email=fields.email,
            phone=fields.phone,
            message=fields.message,
        )
        contacts_changed_on_commit(conversation.service_municipality_id)
    return request


def open_requests(municipality_ids: list[int]) -> list[ContactRequest]:
    """The unhandled requests of these municipalities, oldest first."""
    return list(
        ContactRequest.objects.filter(municipality_id__in=municipality_ids, handled_at__isnull=True)
        .select_related("municipality")
        .order_by("created", "pk")[:OPEN_REQUESTS_SHOWN]
    )


def mark_handled(agent_id: int, request_id: int) -> ContactRequest:
    """Mark a request of a municipality the agent serves handled (again: no change)."""
    with transaction.atomic():
        served = AgentProfile.municipalities.through.objects.filter(
            agentprofile_id=agent_id
        ).values("municipality_id")
        request = (
            ContactRequest.objects.select_for_update()
            .filter(pk=request_id, municipality_id__in=served)
            .first()
        )
        if request is None:
            raise Refusal("not_found")
        if request.handled_at is None:
            request.handled_at = timezone.now()
            request.handled_by_id = agent_id
            request.save(update_fields=["handled_at", "handled_by"])
            contacts_changed_on_commit(request.municipality_id)
    return request


def request_item(request: ContactRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "municipality": {"slug": request.municipality.slug, "name": request.municipality.name},
        "language": request.language,
        "name": request.name,
        "email": request.email,
        "phone": request.phone,
        "message": request.message,
        "created": request.created.isoformat(),
        "handled": request.handled_at is not None,
        "conversation": request.conversation_id,
    }

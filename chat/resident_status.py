"""What the resident sees of their conversation's state: the `state` frame's content.

`resident_status` is cheap (one or two queries) and is read after every change a resident
socket hears of; only when it differs from what the socket last sent is the full `state`
frame built, with the service's status and the estimated wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chat import protocol
from chat.models import ContactRequest, Conversation, Rating
from chat.queueing import estimated_wait_s, position, service_status


@dataclass(frozen=True)
class ResidentStatus:
    state: str
    service_municipality_id: int
    position: int | None = None
    agent: str | None = None
    rating_requested: bool = False
    contact_form: bool = False


def resident_status(conversation_id: int) -> ResidentStatus:
    conversation = (
        Conversation.objects.filter(pk=conversation_id)
        .select_related("assigned_agent")
        .only(
            "state",
            "queued_at",
            "service_municipality_id",
            "contact_offered_at",
            "assigned_agent__display_name",
        )
        .first()
    )
    if conversation is None:
        return ResidentStatus(state=Conversation.State.CLOSED, service_municipality_id=0)
    state = conversation.state
    status = ResidentStatus(
        state=state,
        service_municipality_id=conversation.service_municipality_id,
        position=position(conversation) if state == Conversation.State.QUEUED else None,
        agent=(
            conversation.assigned_agent.display_name
            if state == Conversation.State.ASSIGNED and conversation.assigned_agent
            else None
        ),
        # Only an agent closes (a resident who left is `abandoned`): a closed conversation
        # is rated once.
        rating_requested=(
            state == Conversation.State.CLOSED
            and not Rating.objects.filter(conversation_id=conversation_id).exists()
        ),
        contact_form=(
            state == Conversation.State.BOT
            and conversation.contact_offered_at is not None
            and not ContactRequest.objects.filter(conversation_id=conversation_id).exists()
        ),
    )
    return status


def state_frame(status: ResidentStatus) -> dict[str, Any]:
    """The full `state` frame, with the service's status and, in the queue, the wait."""
    service = service_status(status.service_municipality_id)
    wait = (
        estimated_wait_s(status.service_municipality_id, status.position)
        if status.position is not None
        else None
    )
    return protocol.state(
        status.state,
        position=status.position,
        estimated_wait_s=wait,
        agent=status.agent,
        service=service.as_frame(),
        rating_requested=status.rating_requested,
        contact_form=status.contact_form,
    )

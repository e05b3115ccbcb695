"""Which conversations an agent may see and act on.

An agent sees the conversations served by the municipalities they serve, and those assigned
to them. Anything else is `not_found`, whether it exists or not, so that ids of other
municipalities' conversations cannot be probed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from chat.models import AgentProfile, Conversation

ENDED_STATES = (Conversation.State.CLOSED, Conversation.State.ABANDONED)


class Refusal(Exception):
    """The action is not allowed; `code` is the protocol's error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def municipality_ids(agent_id: int) -> list[int]:
    return list(
        AgentProfile.municipalities.through.objects.filter(agentprofile_id=agent_id).values_list(
            "municipality_id", flat=True
        )
    )


def serves(agent_id: int, municipality_id: int) -> bool:
    return AgentProfile.municipalities.through.objects.filter(
        agentprofile_id=agent_id, municipality_id=municipality_id
    ).exists()


def visible_conversations(agent_id: int) -> QuerySet[Conversation]:
    served = AgentProfile.municipalities.through.objects.filter(agentprofile_id=agent_id)
    return Conversation.objects.filter(
        Q(service_municipality_id__in=served.values("municipality_id"))
        | Q(assigned_agent_id=agent_id)
    )


def lock(conversation_id: int) -> Conversation:
    """The conversation with its row locked until the transaction ends."""
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("service_municipality", "assigned_agent")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise Refusal("not_found")
    return conversation


def lock_visible(agent_id: int, conversation_id: int) -> Conversation:
    """The conversation, locked, if the agent may see it."""
    conversation = lock(conversation_id)
    if conversation.assigned_agent_id != agent_id and not serves(
        agent_id, conversation.service_municipality_id
    ):
        raise Refusal("not_found")
    return conversation


def lock_own(agent_id: int, conversation_id: int) -> Conversation:
    """A live conversation assigned to this agent, locked."""
    conversation = lock_visible(agent_id, conversation_id)
    if conversation.state in ENDED_STATES:
        raise Refusal("conversation_closed")
    if (
        conversation.state != Conversation.State.ASSIGNED
        or conversation.assigned_agent_id != agent_id
    ):
        raise Refusal("not_assigned")
    return conversation

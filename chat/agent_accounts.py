"""Creating and updating agents' accounts (manage.py create_agent, the demo)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from chat.models import AgentProfile
from faqbot.models import Municipality


def save_agent(
    username: str,
    password: str,
    slugs: list[str],
    display_name: str = "",
    capacity: int = 3,
) -> AgentProfile:
    """Create the agent, or update an existing one (password, municipalities, name,
    capacity): running the command again is how an agent is changed from the shell."""
    municipalities = list(Municipality.objects.filter(slug__in=slugs))
    unknown = sorted(set(slugs) - {m.slug for m in municipalities})
    if unknown:
        raise ValueError(f"No municipality with the slug: {', '.join(unknown)}")
    if not slugs:
        raise ValueError("Give at least one municipality.")
    if not 1 <= capacity <= 50:
        raise ValueError("The capacity must be from 1 to 50.")
    User = get_user_model()
    with transaction.atomic():
        user, _created = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        agent, _created = AgentProfile.objects.update_or_create(
            user=user,
            defaults={"display_name": display_name or username, "capacity": capacity},
        )
        agent.municipalities.set(municipalities)
    return agent

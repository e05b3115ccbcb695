"""manage.py create_agent: a customer-service agent (a user with an agent profile)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chat.agent_accounts import save_agent


class Command(BaseCommand):
    help = "Create a customer-service agent, or update one, for the given municipalities."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--municipalities", required=True, help="Comma-separated slugs, e.g. karvia,pomarkku"
        )
        parser.add_argument("--display-name", default="", help="The name residents see.")
        parser.add_argument("--capacity", type=int, default=3, help="Chats at once (default 3).")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = [s.strip() for s in options["municipalities"].split(",") if s.strip()]
        try:
            agent = save_agent(
                options["username"],
                options["password"],
                slugs,
                options["display_name"],
                options["capacity"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        served = ", ".join(sorted(m.slug for m in agent.municipalities.all()))
        self.stdout.write(
            f"Agent {agent.user.get_username()} ({agent.display_name}), capacity "
            f"{agent.capacity}, serves: {served}"
        )

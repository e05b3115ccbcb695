from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from chat.agent_accounts import save_agent
from chat.models import OfficeHours
from faqbot.faq_io import import_faq
from faqbot.models import Municipality

DEMO_FAQ = Path(__file__).resolve().parents[2] / "demo" / "demo_faq.json"


class Command(BaseCommand):
    help = "Load the demo municipalities and FAQ, create the demo admin and print the URLs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        report = import_faq(json.loads(DEMO_FAQ.read_text(encoding="utf-8")))
        self.stdout.write(
            f"Demo FAQ: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )

        # A fresh password each run: the demo prints it, so it need not be remembered,
        # and a copied-around default password never opens anyone's admin.
        password = secrets.token_urlsafe(12)
        User = get_user_model()
        admin, _ = User.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()

        # A demo agent for all six municipalities, with a fresh password too.
        agent_password = secrets.token_urlsafe(12)
        municipalities = list(Municipality.objects.order_by("name"))
        save_agent(
            "agent", agent_password, [m.slug for m in municipalities], "Demo-asiakaspalvelija"
        )
        # Office hours that keep the demo usable at any hour: every day 00:00–24:00. Hours an
        # admin has set are left alone.
        for municipality in municipalities:
            if not municipality.office_hours.exists():
                OfficeHours.objects.bulk_create(
                    OfficeHours(
                        municipality=municipality,
                        weekday=weekday,
                        opens=dt.time(0),
                        closes=dt.time(0),
                    )
                    for weekday in range(7)
                )

        base = f"http://{options['host']}:{options['port']}"
        lines = [
            "",
            "Kuntachat demo",
            f"  Municipalities:  {base}/",
            *(
                f"  {m.name + ':':<16} {base}/demo/{m.slug}/"
                for m in Municipality.objects.order_by("name")
            ),
            f"  Admin:           {base}/admin/  (username: admin, password: {password})",
            f"  Agent dashboard: {base}/agent/  (username: agent, password: {agent_password})",
            "",
        ]
        self.stdout.write("\n".join(lines))

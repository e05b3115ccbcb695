# Existing conversations are served by the municipality they began in. Data and the NOT NULL
# change are separate migrations: PostgreSQL refuses to alter a table with pending trigger
# events from rows updated in the same transaction.

from django.db import migrations
from django.db.models import F


def serve_where_begun(apps, schema_editor):
    Conversation = apps.get_model("chat", "Conversation")
    Conversation.objects.filter(service_municipality__isnull=True).update(
        service_municipality=F("municipality")
    )


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0003_live_agents"),
    ]

    operations = [
        migrations.RunPython(serve_where_begun, migrations.RunPython.noop),
    ]

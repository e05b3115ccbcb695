"""An index for "did the bot answer this conversation from an entry?" (insights.analytics).

The analytics ask it of every conversation of the period, and count the answers per
entry; with the index both read only the index (the entry and the message id are in it),
not the messages themselves. It is on chat's table, but only insights asks it,
so it lives here; partial indexes work in PostgreSQL and SQLite alike.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("chat", "0005_service_municipality_required"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS insights_message_bot_answer "
            "ON chat_message (conversation_id, faq_entry_id, id) "
            "WHERE sender = 'bot' AND faq_entry_id IS NOT NULL",
            "DROP INDEX IF EXISTS insights_message_bot_answer",
        ),
    ]

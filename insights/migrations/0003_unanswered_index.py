"""An index for the unanswered-questions list (insights.unanswered): the bot's replies
without an entry (hand-offs and suggestions), a few per cent of all messages, found
without reading the others."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_answer_index")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS insights_message_bot_no_answer "
            "ON chat_message (conversation_id, seq) "
            "WHERE sender = 'bot' AND faq_entry_id IS NULL",
            "DROP INDEX IF EXISTS insights_message_bot_no_answer",
        ),
    ]

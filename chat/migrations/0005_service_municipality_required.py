import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0004_serve_where_begun"),
    ]

    operations = [
        migrations.AlterField(
            model_name="conversation",
            name="service_municipality",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="served_conversations", to="faqbot.municipality", verbose_name="served by"),
        ),
    ]

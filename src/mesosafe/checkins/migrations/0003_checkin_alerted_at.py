from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checkins", "0002_explanation"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkin",
            name="alerted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]

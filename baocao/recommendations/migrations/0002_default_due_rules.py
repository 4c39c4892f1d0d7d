"""The default due-date rules (editable in the admin): 15 working days to answer, 30 for a directive."""

from django.db import migrations


def add_defaults(apps, schema_editor):
    Rule = apps.get_model("recommendations", "DueDateRule")
    Rule.objects.get_or_create(
        kind="recommendation", domain=None, defaults={"working_days": 15, "note": "Mặc định: 15 ngày làm việc kể từ ngày tiếp nhận"}
    )
    Rule.objects.get_or_create(
        kind="directive", domain=None, defaults={"working_days": 30, "note": "Mặc định: 30 ngày làm việc kể từ ngày giao"}
    )


def remove_defaults(apps, schema_editor):
    apps.get_model("recommendations", "DueDateRule").objects.filter(domain=None).delete()


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]

"""The waitlist's stored sentences become a message and its values (waitlist.words), shown in
the reader's language: why an entry waits, why a patient was offered places, what freed them,
how the offer ended. The English texts of the first days are not kept (nothing to convert)."""

from django.db import migrations, models


def _json(name, verbose_name):
    return migrations.AddField(
        model_name="waitlistoffer" if name != "check_note" else "waitlistentry",
        name=name,
        field=models.JSONField(blank=True, default=dict, verbose_name=verbose_name),
    )


class Migration(migrations.Migration):
    dependencies = [("waitlist", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="waitlistentry", name="check_note"),
        migrations.RemoveField(model_name="waitlistoffer", name="reason"),
        migrations.RemoveField(model_name="waitlistoffer", name="freed_by"),
        migrations.RemoveField(model_name="waitlistoffer", name="outcome"),
        _json("check_note", "last check"),
        _json("reason", "why this patient"),
        _json("freed_by", "what freed the places"),
        _json("outcome", "outcome"),
    ]

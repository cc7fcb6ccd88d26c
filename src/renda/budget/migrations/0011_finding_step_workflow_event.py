"""FindingStep joins the workflow kernel's append-only event base: created_at becomes ``at``, and the
new ``action`` and ``actor_name`` columns are filled for the stored steps (nothing is lost)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# The act each stored move was (the kernel records it from now on).
ACTION_BY_MOVE = {
    "inquired": "inquire",
    "explained": "reply",
    "rectified": "reply",
    "closed": "close",
    "false_positive": "false_positive",
}


def fill_action_and_actor_name(apps, schema_editor):
    FindingStep = apps.get_model("budget", "FindingStep")
    for step in FindingStep.objects.select_related("actor").iterator():
        if step.from_state == step.to_state:
            action = "assign"
        elif step.to_state == "verifying":
            action = "verify" if step.from_state == "new" else "reopen"
        else:
            action = ACTION_BY_MOVE.get(step.to_state, "")
        actor = step.actor
        name = (actor.real_name or actor.username) if actor is not None else "系统"
        FindingStep.objects.filter(pk=step.pk).update(action=action, actor_name=name[:150])


class Migration(migrations.Migration):
    dependencies = [
        ("budget", "0010_summary_key_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="findingstep", old_name="created_at", new_name="at"),
        migrations.AlterField(
            model_name="findingstep",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="at"),
        ),
        migrations.AddField(
            model_name="findingstep",
            name="action",
            field=models.CharField(blank=True, max_length=40, verbose_name="action"),
        ),
        migrations.AddField(
            model_name="findingstep",
            name="actor_name",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AlterField(
            model_name="findingstep",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AlterField(
            model_name="findingstep",
            name="from_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="from"),
        ),
        migrations.AlterField(
            model_name="findingstep",
            name="to_state",
            field=models.CharField(blank=True, max_length=20, verbose_name="to"),
        ),
        migrations.AlterModelOptions(
            name="findingstep",
            options={
                "ordering": ["at", "id"],
                "verbose_name": "finding step",
                "verbose_name_plural": "finding steps",
            },
        ),
        migrations.RunPython(fill_action_and_actor_name, migrations.RunPython.noop),
    ]

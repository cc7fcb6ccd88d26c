"""函询在线答复: the organisation that answers online, the online reply, its attachments, and the
finding state 复函待审核."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("budget", "0020_reader_preference"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="inquiry",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="budget_inquiries",
                to="accounts.organisation",
                verbose_name="answered online by",
            ),
        ),
        migrations.AddField(
            model_name="inquiry",
            name="replied_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="replied by",
            ),
        ),
        migrations.AddField(
            model_name="inquiry",
            name="reply_outcome",
            field=models.CharField(blank=True, max_length=16, verbose_name="the unit says"),
        ),
        migrations.AddField(
            model_name="inquiry",
            name="reply_submitted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reply submitted at"),
        ),
        migrations.AlterField(
            model_name="finding",
            name="state",
            field=models.CharField(
                choices=[
                    ("new", "New"),
                    ("verifying", "Verifying"),
                    ("inquired", "Inquiry sent"),
                    ("replied", "Reply to review"),
                    ("explained", "Explained"),
                    ("rectified", "Rectified"),
                    ("closed", "Closed"),
                    ("false_positive", "False positive"),
                ],
                default="new",
                max_length=16,
                verbose_name="state",
            ),
        ),
        migrations.CreateModel(
            name="InquiryAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("file", models.FileField(upload_to="budget/inquiries/%Y/%m/", verbose_name="file")),
                ("name", models.CharField(max_length=150, verbose_name="file name")),
                ("uploaded_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                (
                    "inquiry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="budget.inquiry",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="uploaded by",
                    ),
                ),
            ],
            options={
                "verbose_name": "reply attachment",
                "verbose_name_plural": "reply attachments",
                "ordering": ["uploaded_at", "id"],
            },
        ),
    ]

"""On PostgreSQL, the text columns of the budget facts compare byte by byte (COLLATE "C").

Codes (单位编码, 功能分类, 凭证号 …) are identifiers, not words: byte order is their order, the
order SQLite gives them too, and it lets PostgreSQL sort them with abbreviated keys instead of
calling the locale for every comparison — index builds and grouped summaries of a large import
run several times faster. Names under C.UTF-8 already sorted by code point, which is also the
byte order of UTF-8, so no page's ordering changes.

A later AlterField of one of these columns must keep the collation (Django would write the
column without it): add ``COLLATE "C"`` back in that migration.
"""

from django.db import migrations, models

FACT_MODELS = ("budgetunit", "project", "indicator", "payment", "paymentsummary", "paymentrollup")


def collate_c(apps, schema_editor, names=FACT_MODELS):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for name in names:
        model = apps.get_model("budget", name)
        table = model._meta.db_table
        changes = [
            f"ALTER COLUMN {quote(f.column)} TYPE varchar({f.max_length}) COLLATE \"C\""
            for f in model._meta.local_fields
            if isinstance(f, models.CharField)
        ]
        if changes:
            schema_editor.execute(f"ALTER TABLE {quote(table)} {', '.join(changes)}")


class Migration(migrations.Migration):

    dependencies = [
        ("budget", "0004_query_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="batch",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to="budget.importbatch",
            ),
        ),
        migrations.RunPython(collate_c, migrations.RunPython.noop, elidable=False),
    ]

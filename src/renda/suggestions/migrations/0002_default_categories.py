"""建议类别: the categories a county's suggestions usually fall into (the office can add more)."""

from django.db import migrations

CATEGORIES = (
    "城乡建设", "交通运输", "教育", "医疗卫生", "农业农村", "生态环境",
    "社会保障", "经济发展", "文化旅游", "社会治理", "其他",
)


def add(apps, schema_editor):
    Category = apps.get_model("suggestions", "SuggestionCategory")
    for order, name in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(name=name, defaults={"order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]

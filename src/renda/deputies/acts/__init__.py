"""The acts of 代表履职服务, declared once on their workflows (page, POST and audit labels).

One module per topic: :mod:`.activities` (代表活动) and :mod:`.archive` (履职档案审核). Imported by
:meth:`renda.deputies.apps.DeputiesConfig.ready`.
"""

from renda.deputies.acts import activities, archive  # noqa: F401

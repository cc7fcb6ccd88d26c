"""类别: the one list of subjects that deputies' suggestions (代表建议) and citizens' opinions
(网上家站) are filed under, so that both modules, their filters and their statistics speak alike.

Suggestions keep their categories as rows the office manages (``SuggestionCategory``), each tied to
one of these subjects (a county's own extra category has none); an opinion's category is one of them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    URBAN = "urban", _("Urban and rural construction")  # 城乡建设
    TRANSPORT = "transport", _("Transport")  # 交通运输
    EDUCATION = "education", _("Education")  # 教育
    HEALTH = "health", _("Health care")  # 医疗卫生
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")  # 农业农村
    ENVIRONMENT = "environment", _("Environment")  # 生态环境
    SOCIAL = "social", _("Social security")  # 社会保障
    ECONOMY = "economy", _("Economic development")  # 经济发展
    CULTURE = "culture", _("Culture and tourism")  # 文化旅游
    GOVERNANCE = "governance", _("Social governance")  # 社会治理
    SAFETY = "safety", _("Public safety")  # 公共安全
    OTHER = "other", _("Other")  # 其他


#: The Chinese name each subject has in a county's list (how the suggestion categories are written).
TOPIC_NAMES: dict[str, str] = {
    Topic.URBAN: "城乡建设",
    Topic.TRANSPORT: "交通运输",
    Topic.EDUCATION: "教育",
    Topic.HEALTH: "医疗卫生",
    Topic.AGRICULTURE: "农业农村",
    Topic.ENVIRONMENT: "生态环境",
    Topic.SOCIAL: "社会保障",
    Topic.ECONOMY: "经济发展",
    Topic.CULTURE: "文化旅游",
    Topic.GOVERNANCE: "社会治理",
    Topic.SAFETY: "公共安全",
    Topic.OTHER: "其他",
}

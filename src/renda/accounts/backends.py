"""Sign-in by password; permissions come from the `rules` predicates alone.

Django's ModelBackend would also answer permission questions from its permission tables (and
grant superusers everything); Renda keeps every permission in ``<app>/rules.py``, so this
backend only checks passwords.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False

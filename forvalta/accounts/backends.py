"""Password login without Django's permission tables.

Rights in Forvalta come from memberships and role assignments through `rules`
predicates (`rules.permissions.ObjectPermissionBackend`), never from Django's
user/group permissions. Django's ModelBackend would still read those tables (two
queries per request) whenever a rules check answers no; this backend authenticates
like ModelBackend and grants nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from billing import actions
from billing.models import AccountMapping, SurchargeRate


@admin.register(AccountMapping)
class AccountMappingAdmin(admin.ModelAdmin):
    """The finance office maps each use to its own account; the change is an event."""

    list_display = ["key", "account", "name"]
    ordering = ["account"]

    def save_model(
        self, request: HttpRequest, obj: AccountMapping, form: Any, change: bool
    ) -> None:
        actions.account_mapping_set(
            key=obj.key, account=obj.account, name=obj.name, acting_user=request.user
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SurchargeRate)
class SurchargeRateAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "share", "product"]
    list_filter = ["product"]

from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    readonly_fields = ["key_hash", "created_at", "last_used_at"]
    search_fields = ["name", "user__username"]

from django.contrib import admin

from registry.models import (
    Agreement,
    AgreementSignature,
    ContactPerson,
    Membership,
    MunicipalAssociation,
    Person,
    Principal,
    TourRoute,
    Unit,
)


@admin.register(MunicipalAssociation)
class MunicipalAssociationAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class SignatureInline(admin.TabularInline):
    model = AgreementSignature
    extra = 0
    autocomplete_fields = ["principal"]


@admin.register(Principal)
class PrincipalAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "association", "population", "population_date"]
    list_filter = ["kind", "association"]
    search_fields = ["code", "name"]
    list_select_related = ["association"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "in_force_from", "in_force_until"]
    list_filter = ["kind", "area"]
    search_fields = ["name", "code"]
    inlines = [SignatureInline]


@admin.register(AgreementSignature)
class AgreementSignatureAdmin(admin.ModelAdmin):
    list_display = ["principal", "agreement", "signed_on", "valid_from", "valid_until"]
    list_filter = ["agreement"]
    search_fields = ["principal__name"]
    list_select_related = ["principal", "agreement"]
    autocomplete_fields = ["principal"]


@admin.register(TourRoute)
class TourRouteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "weekdays"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "principal", "unit_type", "city", "tour_route", "is_active"]
    list_filter = ["unit_type", "is_active", "principal__kind"]
    search_fields = ["name", "principal__name", "hsa_id", "cost_centre"]
    list_select_related = ["principal", "tour_route"]
    autocomplete_fields = ["principal"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "profession", "principal", "user"]
    list_filter = ["profession", "principal__kind"]
    search_fields = ["first_name", "last_name", "email", "hsa_id"]
    list_select_related = ["principal", "user"]
    autocomplete_fields = ["principal"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "unit", "role", "valid_from", "valid_until"]
    list_filter = ["role"]
    search_fields = ["person__last_name", "unit__name"]
    list_select_related = ["person", "unit", "unit__principal"]
    autocomplete_fields = ["person", "unit"]


@admin.register(ContactPerson)
class ContactPersonAdmin(admin.ModelAdmin):
    list_display = ["principal", "role", "person"]
    list_filter = ["role"]
    search_fields = ["principal__name", "person__last_name"]
    list_select_related = ["principal", "person"]
    autocomplete_fields = ["principal", "person"]

"""Admin for therapy types, versioned protocols with their steps, and SOP checklists."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from protocols.models import (
    PackageProtocol,
    PackageTemplate,
    ProtocolStep,
    ProtocolTemplate,
    ProtocolVersion,
    SOPChecklistItem,
    SOPChecklistTemplate,
    TherapyType,
)


@admin.register(TherapyType)
class TherapyTypeAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "code",
        "category",
        "duration_minutes",
        "required_skill",
        "group_size",
        "is_active",
    )
    list_filter = ("category", "is_active", "required_skill")
    search_fields = ("name", "name_hi", "code")
    autocomplete_fields = ["required_skill"]
    list_select_related = ["required_skill"]


class ProtocolVersionInline(admin.TabularInline):
    model = ProtocolVersion
    extra = 0
    fields = ("version", "status", "effective_from", "effective_to")
    show_change_link = True


@admin.register(ProtocolTemplate)
class ProtocolTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "duration_days", "center", "is_active")
    list_filter = ("is_active", "center")
    search_fields = ("name", "code")
    autocomplete_fields = ["center"]
    list_select_related = ["center"]
    inlines = [ProtocolVersionInline]


class ProtocolStepInline(admin.TabularInline):
    model = ProtocolStep
    extra = 0
    fk_name = "version"
    fields = (
        "order",
        "code",
        "therapy",
        "day_offset",
        "slack_days",
        "after_step",
        "min_gap_minutes",
        "max_gap_minutes",
        "same_practitioner_as",
    )
    autocomplete_fields = ["therapy"]
    raw_id_fields = ["after_step", "same_practitioner_as"]


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "template", "version", "status", "effective_from", "effective_to")
    list_filter = ("status", "template")
    search_fields = ("template__name", "template__code")
    autocomplete_fields = ["template"]
    list_select_related = ["template"]
    inlines = [ProtocolStepInline]


@admin.register(ProtocolStep)
class ProtocolStepAdmin(SimpleHistoryAdmin):
    list_display = ("code", "version", "order", "therapy", "day_offset", "slack_days")
    list_filter = ("version__template", "therapy")
    search_fields = ("code", "version__template__name", "therapy__name")
    autocomplete_fields = ["version", "therapy"]
    raw_id_fields = ["after_step", "same_practitioner_as"]
    list_select_related = ["version__template", "therapy"]


class SOPChecklistItemInline(admin.TabularInline):
    model = SOPChecklistItem
    extra = 0


@admin.register(SOPChecklistTemplate)
class SOPChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "therapy", "version", "is_active")
    list_filter = ("is_active", "therapy")
    search_fields = ("title", "therapy__name")
    autocomplete_fields = ["therapy"]
    list_select_related = ["therapy"]
    inlines = [SOPChecklistItemInline]


@admin.register(SOPChecklistItem)
class SOPChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("text", "template", "order", "kind", "timer_seconds", "required")
    list_filter = ("kind", "required")
    search_fields = ("text", "template__title")
    autocomplete_fields = ["template"]
    list_select_related = ["template"]


class PackageProtocolInline(admin.TabularInline):
    model = PackageProtocol
    extra = 0
    fields = ("order", "protocol")
    autocomplete_fields = ["protocol"]


@admin.register(PackageTemplate)
class PackageTemplateAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "center",
        "price",
        "currency",
        "duration_days",
        "protocol_names",
        "is_active",
    )
    list_filter = ("is_active", "center", "currency")
    search_fields = ("name", "items__protocol__name")
    autocomplete_fields = ["center"]
    list_select_related = ["center"]
    inlines = [PackageProtocolInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("items__protocol")

    @admin.display(description=_("protocols, in order"))
    def protocol_names(self, package: PackageTemplate) -> str:
        return ", ".join(item.protocol.name for item in package.items.all())

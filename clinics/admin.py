"""Admin for the organisation: users by email, centers with their hours and rooms, staff."""

from allauth.socialaccount.models import SocialApp, SocialToken
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from clinics.horizons import leave_check, period_check
from clinics.models import (
    Center,
    Closure,
    Consumable,
    Equipment,
    Leave,
    Membership,
    OpeningHours,
    PractitionerProfile,
    Room,
    RosterShift,
    Skill,
    User,
)
from clinics.services import center_closures_record


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data.get("email"))
        # The unique index is case-insensitive; say so here rather than fail on save.
        if email and User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this email address already exists."))
        return email


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["center"]


# The identity provider comes from the environment only (OIDC_*, see clinics.adapters), and
# its tokens are not kept (SOCIALACCOUNT_STORE_TOKENS): an app or a token added in the admin
# would do nothing, so the admin offers neither. Links of accounts to the provider stay.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "phone", "preferred_language")},
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "preferred_language", "is_staff")
    list_filter = ("is_staff", "is_superuser", "is_active", "preferred_language")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    inlines = [MembershipInline]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    """The center's closures, to read: a closure is added or changed on its own page, where
    the period is checked as every way in checks it (clinics.horizons)."""

    model = Closure
    extra = 0
    fields = readonly_fields = ("date", "reason")
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0
    show_change_link = True


@admin.register(Center)
class CenterAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "city", "country", "timezone", "is_active")
    list_filter = ("is_active", "country")
    search_fields = ("name", "slug", "city")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OpeningHoursInline, ClosureInline, RoomInline]


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ("center", "weekday", "opens", "closes")
    list_filter = ("center", "weekday")
    search_fields = ("center__name",)
    list_select_related = ["center"]


class ClosureForm(forms.ModelForm):
    """One closed day, held to the same horizons as a period (clinics.horizons)."""

    class Meta:
        model = Closure
        fields = ("center", "date", "reason")

    def clean(self):
        data = super().clean()
        # A closure of long ago keeps its day when only its reason is corrected.
        moved = {"center", "date"} & set(self.changed_data)
        if moved and data.get("center") and data.get("date"):
            try:
                period_check(
                    first_day=data["date"],
                    last_day=data["date"],
                    center=data["center"],
                    kind="closure",
                )
            except ValidationError as error:
                self.add_error("date", error)
        return data


class ClosurePeriodForm(ClosureForm):
    """A new closure: its first day and, for a longer one, its last (center_closures_record)."""

    last_day = forms.DateField(
        label=_("last day"),
        required=False,
        help_text=_("For a closure of several days; leave empty for one day."),
    )

    class Meta(ClosureForm.Meta):
        labels = {"date": _("first day")}

    def clean(self):
        data = forms.ModelForm.clean(self)
        if data.get("center") and data.get("date"):
            try:
                period_check(
                    first_day=data["date"],
                    last_day=data.get("last_day") or data["date"],
                    center=data["center"],
                    kind="closure",
                )
            except ValidationError as error:
                self.add_error("last_day" if data.get("last_day") else "date", error)
        return data

    def _get_validation_exclusions(self):
        # A day already closed is kept and takes the new reason (center_closures_record), so
        # the one row per center and day is the service's to keep, not the form's to refuse.
        return super()._get_validation_exclusions() | {"date"}


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("center", "date", "reason")
    list_filter = ("center",)
    search_fields = ("center__name", "reason")
    date_hierarchy = "date"
    list_select_related = ["center"]
    form = ClosureForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ClosurePeriodForm
            kwargs["fields"] = ("center", "date", "last_day", "reason")
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("center", "date", "last_day", "reason")
        return ("center", "date", "reason")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        closures = center_closures_record(
            center=obj.center,
            first_day=obj.date,
            last_day=form.cleaned_data.get("last_day") or obj.date,
            reason=obj.reason,
        )
        # The admin records and links the first day of the period as the object it added.
        obj.pk = closures[0].pk
        if len(closures) > 1:
            messages.info(
                request,
                ngettext("%(count)s day closed.", "%(count)s days closed.", len(closures))
                % {"count": len(closures)},
            )


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "center", "room_type", "capacity", "gender", "is_active")
    list_filter = ("center", "room_type", "gender", "is_active")
    search_fields = ("code", "name", "center__name")
    list_select_related = ["center"]


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ("name", "serial", "center", "room", "status", "last_serviced")
    list_filter = ("center", "status")
    search_fields = ("name", "serial")
    autocomplete_fields = ["center", "room"]
    list_select_related = ["center", "room"]


@admin.register(Consumable)
class ConsumableAdmin(admin.ModelAdmin):
    list_display = ("name", "center", "unit", "stock_quantity", "reorder_level", "reorder")
    list_filter = ("center", "unit")
    search_fields = ("name",)
    autocomplete_fields = ["center"]
    list_select_related = ["center"]

    @admin.display(boolean=True, description=_("needs reorder"))
    def reorder(self, obj):
        return obj.needs_reorder


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "center", "role", "is_active")
    list_filter = ("role", "is_active", "center")
    search_fields = ("user__email", "user__first_name", "user__last_name", "center__name")
    autocomplete_fields = ["user", "center"]
    list_select_related = ["user", "center"]


class RosterShiftInline(admin.TabularInline):
    model = RosterShift
    extra = 0
    autocomplete_fields = ["center"]


class LeaveForm(forms.ModelForm):
    """A leave typed in the admin, checked as the sick leave page checks one
    (clinics.horizons.leave_check): it ends after it starts, lasts at most LEAVE_MAX_DAYS and
    lies within the planning horizon."""

    class Meta:
        model = Leave
        fields = ("practitioner", "kind", "starts_at", "ends_at", "note")

    def clean(self):
        data = super().clean()
        # A leave of long ago keeps its dates when only its note or kind is corrected.
        moved = {"starts_at", "ends_at"} & set(self.changed_data)
        if moved and data.get("starts_at") and data.get("ends_at"):
            try:
                leave_check(starts_at=data["starts_at"], ends_at=data["ends_at"], center=None)
            except ValidationError as error:
                field = "starts_at" if error.code == "too_far_ahead" else "ends_at"
                self.add_error(field, error)
        return data


class LeaveInline(admin.TabularInline):
    model = Leave
    form = LeaveForm
    extra = 0


@admin.register(PractitionerProfile)
class PractitionerProfileAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "gender", "license_number", "soft_daily_minutes")
    list_filter = ("gender", "skills")
    search_fields = ("user__email", "user__first_name", "user__last_name", "license_number")
    autocomplete_fields = ["user"]
    filter_horizontal = ["skills"]
    list_select_related = ["user"]
    inlines = [RosterShiftInline, LeaveInline]


@admin.register(RosterShift)
class RosterShiftAdmin(admin.ModelAdmin):
    list_display = (
        "practitioner",
        "center",
        "weekday",
        "starts",
        "ends",
        "valid_from",
        "valid_until",
    )
    list_filter = ("center", "weekday")
    search_fields = ("practitioner__user__email", "practitioner__user__last_name")
    autocomplete_fields = ["practitioner", "center"]
    list_select_related = ["practitioner__user", "center"]


@admin.register(Leave)
class LeaveAdmin(SimpleHistoryAdmin):
    form = LeaveForm
    list_display = ("practitioner", "kind", "starts_at", "ends_at")
    list_filter = ("kind",)
    search_fields = ("practitioner__user__email", "practitioner__user__last_name", "note")
    autocomplete_fields = ["practitioner"]
    date_hierarchy = "starts_at"
    list_select_related = ["practitioner__user"]

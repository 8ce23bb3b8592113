"""URLs of the console: the admin's and medical director's pages."""

from django.urls import path

from console import (
    dashboard_views,
    discharge,
    import_views,
    insight_views,
    inventory_views,
    protocol_views,
    views,
)

urlpatterns = [
    path("", views.home, name="console"),
    path("analytics/", views.analytics, name="console_analytics"),
    path("analytics/attendance.csv", views.analytics_csv, name="console_analytics_csv"),
    path(
        "analytics/utilisation/",
        dashboard_views.utilisation_view,
        name="console_utilisation",
    ),
    path("analytics/reminders/", dashboard_views.reminders_view, name="console_reminders"),
    path("analytics/centers/", dashboard_views.centers_view, name="console_centers"),
    path("analytics/adherence/", dashboard_views.adherence_view, name="console_adherence"),
    path("analytics/bottlenecks/", insight_views.bottlenecks_view, name="console_bottlenecks"),
    path(
        "analytics/outcome-trends/",
        insight_views.outcome_trends_view,
        name="console_outcome_trends",
    ),
    path("calendar/", views.calendar, name="console_calendar"),
    path("inventory/", views.inventory, name="console_inventory"),
    path("inventory/reorder.csv", views.inventory_reorder_csv, name="console_inventory_reorder"),
    path(
        "inventory/alerts/<int:pk>/reordered/",
        inventory_views.stock_alert_reordered,
        name="console_stock_alert_reordered",
    ),
    path("setup/import/", import_views.setup_import, name="console_import"),
    path(
        "setup/import/<slug:kind>-template.csv",
        import_views.setup_import_template,
        name="console_import_template",
    ),
    path("protocols/", protocol_views.protocol_list, name="console_protocols"),
    path(
        "protocols/<int:pk>/",
        protocol_views.protocol_version_detail,
        name="console_protocol",
    ),
    path(
        "protocols/<int:pk>/v<int:number>/",
        protocol_views.protocol_version_detail,
        name="console_protocol_version",
    ),
    path("protocols/<int:pk>/edit/", protocol_views.protocol_edit, name="console_protocol_edit"),
    path("protocols/packages/", protocol_views.package_list, name="console_packages"),
    path("protocols/packages/new/", protocol_views.package_edit, name="console_package_new"),
    path(
        "protocols/packages/<int:pk>/edit/",
        protocol_views.package_edit,
        name="console_package_edit",
    ),
    path(
        "protocols/packages/<int:pk>/start/",
        protocol_views.package_start,
        name="console_package_start",
    ),
    path("outcomes/", views.protocol_outcomes_view, name="console_outcomes"),
    path(
        "care-plans/<int:pk>/discharge/",
        discharge.care_plan_discharge,
        name="console_care_plan_discharge",
    ),
    path(
        "care-plans/<int:pk>/discharge.pdf",
        discharge.care_plan_discharge_pdf,
        name="console_care_plan_discharge_pdf",
    ),
    path(
        "patients/<int:patient_id>/progress/",
        views.patient_progress_for_staff,
        name="console_patient_progress",
    ),
    path(
        "calendar/sessions/<int:pk>/",
        views.calendar_session_detail,
        name="console_calendar_session",
    ),
]

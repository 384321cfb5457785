from django.urls import path

from actionplans import bulk_views, date_views, views

app_name = "actionplans"

urlpatterns = [
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_pk>/actions/new/", views.action_create, name="action_create"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/mine/", views.my_actions, name="my_actions"),
    path("actions/bulk/", bulk_views.bulk_confirm, name="bulk_confirm"),
    path("actions/bulk/apply/", bulk_views.bulk_apply, name="bulk_apply"),
    path("actions/bulk/done/", bulk_views.bulk_result, name="bulk_result"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/progress/", views.action_progress, name="action_progress"),
    path("actions/<int:pk>/cancel/", views.action_cancel, name="action_cancel"),
    path("actions/<int:pk>/reinstate/", views.action_reinstate, name="action_reinstate"),
    path("actions/<int:pk>/verify/", views.action_verify, name="action_verify"),
    path("actions/<int:pk>/withdraw-verification/", views.action_withdraw_verification, name="action_withdraw_verification"),
    path("actions/<int:pk>/target-date/", date_views.action_target_date, name="action_target_date"),
    path("date-changes/<int:pk>/decide/", date_views.date_change_decide, name="date_change_decide"),
    path("date-changes/<int:pk>/withdraw/", date_views.date_change_withdraw, name="date_change_withdraw"),
]

from django.urls import path

from actionplans import views

app_name = "actionplans"

urlpatterns = [
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_pk>/actions/new/", views.action_create, name="action_create"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/mine/", views.my_actions, name="my_actions"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/progress/", views.action_progress, name="action_progress"),
    path("actions/<int:pk>/cancel/", views.action_cancel, name="action_cancel"),
    path("actions/<int:pk>/reinstate/", views.action_reinstate, name="action_reinstate"),
    path("actions/<int:pk>/verify/", views.action_verify, name="action_verify"),
    path("actions/<int:pk>/withdraw-verification/", views.action_withdraw_verification, name="action_withdraw_verification"),
]

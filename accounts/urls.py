from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import sso_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", sso_views.LogoutView.as_view(), name="logout"),
    path("sso/", sso_views.sso_choose, name="sso"),
    path("sso/<str:key>/start/", sso_views.sso_start, name="sso_start"),
    path("sso/callback/", sso_views.sso_callback, name="sso_callback"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_changed.html"),
        name="password_changed",
    ),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery/", views.two_factor_recovery, name="two_factor_recovery"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_sent",
    ),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/set/", views.password_set, name="password_set"),
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]

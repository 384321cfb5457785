from django.contrib.auth import views as auth_views
from django.urls import include, path

from tests.oidc_provider import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("control/users/", views.control_users, name="control-users"),
    path("control/clients/", views.control_clients, name="control-clients"),
]

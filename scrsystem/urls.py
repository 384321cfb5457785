from django.contrib import admin
from django.urls import include, path

from reminders import views as reminder_views
from scrsystem import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("reviews/", include("reviews.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("reminders/", include("reminders.urls")),
    path("calendar/<str:token>.ics", reminder_views.calendar_feed, name="calendar_feed"),
    path("learning/", include("learning.urls")),
    path("concerns/", include("concerns.urls")),
    path("papers/", include("papers.urls")),
    path("imports/", include("imports.urls")),
    path("api/", include("api.urls")),
    path("", include("evidence.urls")),
    path("", include("actionplans.urls")),
    path("admin/", admin.site.urls),
]

handler400 = views.bad_request

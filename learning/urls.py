from django.urls import path

from learning import views

app_name = "learning"

urlpatterns = [
    path("themes/", views.theme_list, name="themes"),
    path("themes/<int:pk>/", views.theme_detail, name="theme"),
    path("dissemination/", views.dissemination, name="dissemination"),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/materials/", views.materials_add, name="materials_add"),
    path("events/<int:pk>/attendance/<int:agency_pk>/", views.attendance_record, name="attendance"),
    path("events/<int:pk>/<slug:move>/", views.event_move, name="event_move"),
    path("files/<int:pk>/", views.file_download, name="file"),
    path("impact/", views.impact_list, name="impact_checks"),
    path("impact/<int:pk>/", views.impact_detail, name="impact_check"),
    path("impact/<int:pk>/finding/", views.impact_record, name="impact_record"),
    path("impact/<int:pk>/edit/", views.impact_edit, name="impact_edit"),
]

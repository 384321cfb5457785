from django.urls import path

from concerns import views

app_name = "concerns"

urlpatterns = [
    path("", views.concern_list, name="concerns"),
    path("new/", views.concern_create, name="concern_create"),
    path("<int:pk>/", views.concern_detail, name="concern"),
    path("<int:pk>/edit/", views.concern_edit, name="concern_edit"),
    path("<int:pk>/log/", views.entry_add, name="entry_add"),
    path("<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("<int:pk>/<slug:move>/", views.concern_move, name="concern_move"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/values/new/", views.point_add, name="point_add"),
    path("values/<int:pk>/correct/", views.point_correct, name="point_correct"),
    path("files/<int:pk>/", views.file_download, name="file"),
]

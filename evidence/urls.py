from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("evidence/queue/", views.audit_queue, name="queue"),
    path("evidence/<int:pk>/", views.evidence_detail, name="detail"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="download"),
    path("evidence/<int:pk>/decide/", views.evidence_decide, name="decide"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="withdraw"),
    path("evidence/<int:pk>/new-version/", views.evidence_new_version, name="new_version"),
    path("actions/<int:action_pk>/evidence/new/", views.evidence_submit, name="submit"),
]

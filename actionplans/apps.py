from django.apps import AppConfig


class ActionplansConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'actionplans'

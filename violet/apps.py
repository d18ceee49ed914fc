from django.apps import AppConfig


class VioletConfig(AppConfig):
    name = "violet"

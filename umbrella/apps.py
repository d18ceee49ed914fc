from django.apps import AppConfig


class UmbrellaConfig(AppConfig):
    name = "umbrella"

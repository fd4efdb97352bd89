from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data of every app in one place, and `manage.py seed_demo`."""

    name = "demo"

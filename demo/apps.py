"""The demo clinic: fixed content and the `load_demo` command that builds it."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo clinic"

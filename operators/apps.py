from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    """The platform's public host (carrier directory, platform admin, health, media) and the
    operators' cross-carrier commands (sweep, carrier_report)."""

    name = "operators"

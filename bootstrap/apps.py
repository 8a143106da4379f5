from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BootstrapConfig(AppConfig):
    """Brings a fresh database to a useful state: reference data (facts from the seeds)
    and demo data (a documented, generated set of units, people and logins)."""

    name = "bootstrap"
    verbose_name = _("Set-up")

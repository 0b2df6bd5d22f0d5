from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class BackgroundConfig(AppConfig):
    name = "forvalta.background"
    label = "background"
    verbose_name = _("Background work")

    def ready(self) -> None:
        from forvalta.background import scheduler

        scheduler.autodiscover()
        post_migrate.connect(_sync_after_migrate, sender=self)


def _sync_after_migrate(*, using: str, **kwargs: object) -> None:
    from forvalta.background.scheduler import sync_jobs

    sync_jobs(using=using)

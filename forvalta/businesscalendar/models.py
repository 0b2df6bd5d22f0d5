"""An organisation's service hours and the days it keeps closed or open differently.

The Swedish public holidays (and midsommarafton, julafton, nyårsafton) come from the
`holidays` package and are never stored; what is stored is each organisation's own:
its service hours per weekday and its exceptions (a bridge day closed, a shortened day
before a holiday). `forvalta.businesscalendar.calendar` turns them into answers.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import Organisation, TimeStampedModel
from forvalta.core.scoping import ScopedQuerySet


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


MIDNIGHT_HELP = _("00:00 means midnight at the end of the day.")


def _check_period(opens: dt.time | None, closes: dt.time | None) -> None:
    """`closes` 00:00 means midnight at the end of the day (a period that runs to 24:00)."""
    if opens is None or closes is None or closes == dt.time(0):
        return
    if closes <= opens:
        raise ValidationError(
            {"closes": _("The closing time must be later than the opening time.")}
        )


class ServiceHours(TimeStampedModel):
    """One working period on a weekday, e.g. Monday 08:00-17:00. Several periods on one
    day are allowed (closed for lunch); a weekday without a row is closed. An organisation
    without any row works Monday to Friday 08:00-17:00."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="service_hours",
        verbose_name=_("organisation"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=MIDNIGHT_HELP)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "weekday", "opens"]
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "weekday", "opens"],
                name="service_hours_unique_start",
                violation_error_message=_("A period already starts at this time on this day."),
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("businesscalendar:servicehours_detail", args=[self.pk])

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        super().clean()
        _check_period(self.opens, self.closes)


class CalendarException(TimeStampedModel):
    """A date on which the organisation keeps other hours than usual: closed altogether
    (a bridge day, "klämdag") or open at special hours (a shortened day)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="calendar_exceptions",
        verbose_name=_("organisation"),
    )
    date = models.DateField(_("date"))
    is_closed = models.BooleanField(_("closed all day"), default=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(
        _("closes"),
        null=True,
        blank=True,
        help_text=_("00:00 means midnight at the end of the day."),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "date"],
                name="calendar_exception_unique_date",
                violation_error_message=_(
                    "The organisation already has an exception on this date."
                ),
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("businesscalendar:calendarexception_detail", args=[self.pk])

    def __str__(self) -> str:
        if self.is_closed:
            return f"{self.date:%Y-%m-%d}: {_('closed')}"
        return f"{self.date:%Y-%m-%d}: {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.is_closed:
            if self.opens is not None or self.closes is not None:
                raise ValidationError(
                    {"opens": _("A closed day has no opening hours; leave the times empty.")}
                )
            return
        if self.opens is None or self.closes is None:
            raise ValidationError(
                {"opens": _("Give both the opening and the closing time of the special day.")}
            )
        _check_period(self.opens, self.closes)

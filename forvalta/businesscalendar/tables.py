from __future__ import annotations

import django_tables2 as tables

from forvalta.businesscalendar.models import CalendarException, ServiceHours
from forvalta.core.tables import BaseTable, YesNoColumn


class ServiceHoursTable(BaseTable):
    weekday = tables.Column(linkify=True)
    opens = tables.Column()
    closes = tables.Column()
    organisation = tables.Column()

    class Meta(BaseTable.Meta):
        model = ServiceHours
        fields = ("weekday", "opens", "closes", "organisation")


class CalendarExceptionTable(BaseTable):
    date = tables.Column(linkify=True)
    is_closed = YesNoColumn()
    opens = tables.Column()
    closes = tables.Column()
    reason = tables.Column()
    organisation = tables.Column()

    class Meta(BaseTable.Meta):
        model = CalendarException
        fields = ("date", "is_closed", "opens", "closes", "reason", "organisation")

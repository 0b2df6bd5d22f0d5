"""Forms of the review on suspicion; choice lists read through `visible_to`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forvalta.core.models import User
from forvalta.core.tenancy import scope_for
from forvalta.logreview.models import LogSource
from forvalta.logreview.suspicion import (
    log_administrators,
    member_choices,
    period_too_long,
    subject_choices,
)


def _person_label(user: Any) -> str:
    return user.get_full_name() or user.get_username()


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _person_label(obj)


class CaseRequestForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Log source"), queryset=LogSource.objects.none())
    attestant = PersonField(label=_("Attestant"), queryset=User.objects.none())
    recipient = PersonField(
        label=_("Recipient of the log (the reviewer)"), queryset=User.objects.none()
    )
    senior_manager = PersonField(
        label=_("The reviewed person's manager's manager"),
        queryset=User.objects.none(),
        help_text=_("They alone enter whom the review concerns and the period."),
    )
    reason = forms.CharField(
        label=_("Reason (kept general)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Do not write whom the review concerns."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = LogSource.objects.visible_to(user).select_related(  # type: ignore[attr-defined]
            "system"
        )
        people = User.objects.visible_to(user).filter(
            pk__in=member_choices(sorted(scope_for(user).org_ids)).values("pk")
        )
        for name in ("attestant", "recipient", "senior_manager"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]


class RenameForm(forms.Form):
    """The people a case names that may still be changed (`rules.RENAMEABLE`); a field
    left empty keeps its person."""

    attestant = PersonField(label=_("Attestant"), queryset=User.objects.none(), required=False)
    recipient = PersonField(
        label=_("Recipient of the log (the reviewer)"),
        queryset=User.objects.none(),
        required=False,
    )
    senior_manager = PersonField(
        label=_("The reviewed person's manager's manager"),
        queryset=User.objects.none(),
        help_text=_("They alone enter whom the review concerns and the period."),
        required=False,
    )
    administrator = PersonField(
        label=_("The case's log administrator"),
        queryset=User.objects.none(),
        help_text=_("Named by the log team; only they take out the log."),
        required=False,
    )

    def __init__(self, *args: Any, user: Any, case: Any, **kwargs: Any) -> None:
        from forvalta.logreview.rules import RENAMEABLE

        kwargs.setdefault(
            "initial",
            {
                "attestant": case.attestant_id,
                "recipient": case.recipient_id,
                "senior_manager": case.senior_manager_id,
                "administrator": case.administrator_id,
            },
        )
        super().__init__(*args, **kwargs)
        allowed = RENAMEABLE.get(case.status, ())
        people = User.objects.visible_to(user).filter(
            pk__in=member_choices([case.organisation_id]).values("pk")
        )
        for name in list(self.fields):
            if name not in allowed:
                del self.fields[name]
            elif name == "administrator":
                self.fields[name].queryset = people.filter(  # type: ignore[attr-defined]
                    pk__in=[p.pk for p in log_administrators(case)]
                )
            else:
                self.fields[name].queryset = people  # type: ignore[attr-defined]


class SubjectForm(forms.Form):
    subject = PersonField(label=_("Person to be reviewed"), queryset=User.objects.none())
    account = forms.CharField(label=_("The person's account (as logged)"), max_length=100)
    period_from = forms.DateField(
        label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = forms.DateField(
        label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    administrator = PersonField(
        label=_("The case's log administrator"),
        queryset=User.objects.none(),
        help_text=_("Named by the log team; only they take out the log."),
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        organisation_id: int,
        administrators: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["administrator"].queryset = User.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            pk__in=[a.pk for a in administrators or []]
        )
        field = self.fields["subject"]
        # Any member may be posted (the service refuses, and records, a person whose
        # manager's manager the user is not); only the user's own are offered.
        field.queryset = User.objects.visible_to(user).filter(  # type: ignore[attr-defined]
            pk__in=member_choices([organisation_id]).values("pk")
        )
        offered = User.objects.visible_to(user).filter(
            pk__in=subject_choices(user, organisation_id).values("pk")
        )
        field.widget.choices = [("", "---------")] + [(u.pk, _person_label(u)) for u in offered]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        # The order of the other period checks (end before start, before 1900) is the
        # service's: those answer with their own message first.
        if start is not None and end is not None and dt.date(1900, 1, 1) <= start <= end:
            too_long = period_too_long(start, end)
            if too_long is not None:
                self.add_error("period_to", too_long)
        return data

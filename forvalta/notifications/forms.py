from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forvalta.notifications.models import MAX_DAYS_AHEAD
from forvalta.notifications.registry import Channel, kinds


class PreferencesForm(forms.Form):
    """One choice per kind (inbox only, e-mail, daily digest) and the days ahead."""

    days_ahead = forms.IntegerField(
        label=_("Remind me this many days before a deadline"),
        min_value=1,
        max_value=MAX_DAYS_AHEAD,
        error_messages={
            "min_value": _("Give a number of days from 1 to 30."),
            "max_value": _("Give a number of days from 1 to 30."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = {}
        for spec in kinds():
            fields[f"kind_{spec.name}"] = forms.ChoiceField(
                label=spec.label,
                choices=Channel.choices,
                widget=forms.RadioSelect,
            )
        self.fields = {**fields, "days_ahead": self.fields["days_ahead"]}

    def channels(self) -> dict[str, str]:
        return {
            name.removeprefix("kind_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("kind_")
        }

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from forvalta.core.forms import refuse_control_characters
from forvalta.workflow.engine import ATTACHMENT, COMMENT, DECISION, Transition

ATTACHMENT_EXTENSIONS = ["pdf", "docx", "odt", "doc", "xlsx", "ods", "png", "jpg", "txt"]


class TransitionForm(forms.Form):
    """The inputs of one transition; the required ones as the transition declares."""

    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
    decision_reference = forms.CharField(label=_("Decision reference"), max_length=200)
    attachment = forms.FileField(
        label=_("Attachment"), validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS)]
    )

    def __init__(self, *args: Any, transition: Transition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transition = transition
        for name in (COMMENT, DECISION, ATTACHMENT):
            self.fields[name].required = name in transition.requires
        for field in self.fields.values():
            refuse_control_characters(field)

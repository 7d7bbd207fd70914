"""Forms of the teacher's tools: shape only; the workflow functions check the rest."""

from django import forms

from debates.forms import CleanCharField
from debates.models import NODE_TEXT_MAX, NOTE_MAX


class FeedbackForm(forms.Form):
    text = CleanCharField(
        noun="feedback",
        required=False,
        max_length=NOTE_MAX,
        label="Feedback",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Seen by the student once you release this debate's grades. Empty it to delete it.",
    )


class ScaleForm(forms.Form):
    scale = forms.IntegerField(min_value=1, max_value=1000, label="Grades out of")


class GradeForm(forms.Form):
    """One student's grade; the score is checked against the scale by feedback.grade_save()."""

    score = CleanCharField(noun="score", required=False, max_length=8, label="Score", single_line=True)
    comment = CleanCharField(
        noun="comment", required=False, max_length=NOTE_MAX, label="Comment", widget=forms.Textarea(attrs={"rows": 2})
    )


class TaskForm(forms.Form):
    text = CleanCharField(
        noun="task",
        max_length=NODE_TEXT_MAX,
        label="Task",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example “Find evidence for 1.2” or “Answer the objection 1.3.1”.",
    )
    node = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="On this box")
    students = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label="For these students",
        help_text="Choose none to set it for the whole class.",
        widget=forms.CheckboxSelectMultiple,
    )
    due = forms.DateField(required=False, label="Due", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, nodes=(), students=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "(the whole debate)")] + [
            (n.pk, f"#{n.pk} {n.get_kind_display()}: {n.text[:80]}") for n in nodes
        ]
        self.fields["students"].choices = [(s.pk, s.get_username()) for s in students]


class GroupsForm(forms.Form):
    groups = CleanCharField(
        noun="groups",
        label="Groups",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One group a line: its name, a colon, then its students' user names, e.g. “Group A: anna, bilal”.",
    )

"""Forms of the teacher's tools: shape only; the workflow functions check the rest."""

from django import forms

from debates.forms import CleanCharField, box_choices
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

    def __init__(self, *args, released: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if released:
            self.fields[
                "text"
            ].help_text = "Seen by the student now: this debate's grades are released. Empty it to delete it."


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
    # A date input takes and gives ISO dates (2026-12-05) whatever the site's locale: any
    # other format shows as empty, and saving the form unchanged would erase the date.
    due = forms.DateField(
        required=False, label="Due", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, nodes=(), numbers=None, students=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nodes, self.students = list(nodes), list(students)
        self.fields["node"].choices = [("", "(the whole debate)"), *box_choices(self.nodes, numbers or {}, length=80)]
        self.fields["students"].choices = [(s.pk, s.get_username()) for s in self.students]

    def task_fields(self) -> dict:
        """The valid form's choices as tasks.task_create() and task_update() take them: the
        text, the node (or None), the students (a list, empty for the whole class), the due date."""
        data = self.cleaned_data
        picked = set(data["students"])
        return {
            "text": data["text"],
            "node": next((n for n in self.nodes if n.pk == data["node"]), None),
            "students": [s for s in self.students if s.pk in picked],
            "due": data["due"],
        }


class GroupsForm(forms.Form):
    groups = CleanCharField(
        noun="groups",
        label="Groups",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One group a line: its name, a colon, then its students' user names, e.g. “Group A: anna, bilal”.",
    )

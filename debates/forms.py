"""Forms for the classroom pages: sign-up, classrooms, debates, sources, contributions, decisions.

Forms check shape (required, length, characters); the rules that touch several rows live
in moderation.py and classrooms.py, whose refusals the views add back as form errors.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.http import url_has_allowed_host_and_scheme

from debates import usernames
from debates.interchange import READ_FORMATS
from debates.maps import numbering
from debates.models import NODE_TEXT_MAX, NOTE_MAX, QUOTE_TEXT_MAX, TITLE_MAX, Kind, Reason, Relation
from debates.text import VisibleText, normalize_newlines, validate_clean_text, validate_single_line

JOIN_CODE_HELP = "The code your teacher gave you, e.g. CIVICS10 (case and dashes do not matter)."


class CountedLength:
    """For a text field: its limit is told to static/js/forms.js (data-max-chars), which
    counts as one types or pastes, instead of to the browser's maxlength, which cuts a paste
    silently. The server refuses too-long text with a message saying the count."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["data-max-chars"] = attrs.pop("maxlength")
        return attrs


class TextField(CountedLength, forms.CharField):
    """A CharField that refuses NUL, control characters and lone surrogates, naming the first
    one and where it is (text.validate_clean_text). Django's own NUL check goes: it says
    neither where nor which, and a NUL would get both messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [
            validate_clean_text if isinstance(v, ProhibitNullCharactersValidator) else v for v in self.validators
        ]


class CleanCharField(TextField):
    """A TextField that also refuses text with nothing visible, naming the field as `noun`."""

    def __init__(self, *args, noun: str, single_line: bool = False, **kwargs):
        kwargs.setdefault("strip", True)
        super().__init__(*args, **kwargs)
        self.validators.append(VisibleText(noun))
        if single_line:
            self.validators.append(validate_single_line)


class StatementField(CleanCharField):
    """A node's statement as a student types it: clean text of at most NODE_TEXT_MAX
    characters, in a three-row text area."""

    def __init__(self, **kwargs):
        super().__init__(noun="statement", max_length=NODE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), **kwargs)


class QuoteField(TextField):
    """A passage exactly as the op-ed has it: not stripped, clean text, and with the CRLF line
    breaks that browsers send for a textarea turned into the source's LF."""

    def __init__(self, *, help_text: str, offsets: tuple[str, ...] = (), **kwargs):
        """`offsets`: the ids of the form's fields that place the passage in its source (the
        hidden start and end a selection on the source's page fills in); forms.js empties them
        once the quote is changed by hand, so that the server finds the passage itself."""
        attrs = {"rows": 3} | ({"data-clears": " ".join(offsets)} if offsets else {})
        kwargs.update(strip=False, max_length=QUOTE_TEXT_MAX, widget=forms.Textarea(attrs=attrs))
        super().__init__(help_text=help_text, validators=[VisibleText("quote")], **kwargs)

    def to_python(self, value):
        return normalize_newlines(super().to_python(value) or "")


class JoinForm(forms.Form):
    code = CleanCharField(
        label="Join code", noun="join code", max_length=32, single_line=True, help_text=JOIN_CODE_HELP
    )


class SignupForm(UserCreationForm):
    """A student's account, made with a classroom's join code."""

    code = CleanCharField(
        label="Join code", noun="join code", max_length=32, single_line=True, help_text=JOIN_CODE_HELP
    )

    class Meta(UserCreationForm.Meta):
        fields = ("code", "username")

    def clean_username(self):
        username = super().clean_username()
        validate_username_field(username)
        return username


def validate_username_field(username: str, user_pk: int | None = None) -> None:
    """usernames.validate_username, with its refusal as this field's error."""
    try:
        usernames.validate_username(username, user_pk=user_pk)
    except ValidationError as error:
        raise ValidationError(error.message_dict["username"]) from None


class ClassroomForm(forms.Form):
    name = CleanCharField(noun="name", max_length=200, single_line=True, help_text="For example “Civics 10B, 2026”.")


class DebateForm(forms.Form):
    question = CleanCharField(noun="question", max_length=NODE_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    description = CleanCharField(
        noun="description",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional.",
    )
    classroom = forms.TypedChoiceField(coerce=int, empty_value=None, help_text="Who can see and contribute.")

    def __init__(self, *args, classrooms=(), allow_public: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(c.pk, c.name) for c in classrooms]
        if allow_public:
            choices.append(("", "No classroom: a public debate, readable by anyone"))
        self.fields["classroom"].choices = choices
        self.fields["classroom"].required = not allow_public


class MapImportForm(forms.Form):
    """Another tool's map file, and the new debate it becomes (the preview step)."""

    file = forms.FileField(label="Map file", help_text="AIF JSON, a Kialo export (.txt), Argdown or a debate file.")
    format = forms.ChoiceField(required=False, choices=[("", "Detect from the file"), *READ_FORMATS.items()])
    slug = forms.SlugField(max_length=80, label="Address", help_text="The new debate's address: /debates/<address>/.")
    question = CleanCharField(
        noun="question",
        required=False,
        max_length=NODE_TEXT_MAX,
        help_text="Optional: the file's own question (Kialo's title, Argdown's title) is used otherwise.",
    )
    classroom = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, help_text="Who can see it.")

    def __init__(self, *args, classrooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(c.pk, c.name) for c in classrooms]
        choices.append(("", "No classroom: a public debate, readable by anyone"))
        self.fields["classroom"].choices = choices
        # Private unless the teacher chooses otherwise: an import defaults to the first classroom
        # they teach, so a try-out never publishes a map by accident.
        if len(choices) > 1:
            self.fields["classroom"].initial = choices[0][0]


class MapImportConfirmForm(forms.Form):
    """The confirm step: the same choices, and the digest of the previewed file kept in the session."""

    digest = forms.RegexField(regex=r"\A[0-9a-f]{64}\Z", widget=forms.HiddenInput)
    slug = forms.SlugField(max_length=80, widget=forms.HiddenInput)
    question = CleanCharField(noun="question", required=False, max_length=NODE_TEXT_MAX, widget=forms.HiddenInput)
    classroom = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SourceForm(forms.Form):
    """An op-ed, pasted or uploaded as a UTF-8 .txt file (one of the two)."""

    title = CleanCharField(noun="title", max_length=TITLE_MAX, single_line=True)
    author = CleanCharField(noun="author", max_length=200, required=False, single_line=True)
    outlet = CleanCharField(noun="outlet", max_length=200, required=False, single_line=True)
    # ISO, as a date input takes it whatever the locale (see the task form's due date).
    published = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    url = forms.URLField(required=False, max_length=500, label="URL", assume_scheme="https")
    text = TextField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Paste the op-ed's full text, or upload it below.",
    )
    file = forms.FileField(required=False, label="…or upload a .txt file", help_text="Plain text in UTF-8.")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if not upload.name.lower().endswith(".txt"):
            raise ValidationError("Upload a plain-text .txt file.", code="file_type")
        limit = settings.SOURCE_MAX_CHARS
        # Four bytes per character at most: a larger file cannot fit the character limit.
        if upload.size > limit * 4:
            raise ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {limit:,} characters.", code="too_large"
            )
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                "The file is not UTF-8 text; save it as UTF-8 (“Plain text, UTF-8”) and upload it again.",
                code="encoding",
            ) from None
        return text.removeprefix("\ufeff")

    def clean(self):
        data = super().clean()
        pasted, uploaded = data.get("text") or "", data.get("file")
        # A refused paste or file has its message; "paste or upload" would only add a wrong one.
        if "file" in self.errors or "text" in self.errors:
            return data
        if pasted.strip() and uploaded:
            self.add_error("text", "Paste the text or upload a file, not both.")
        elif uploaded:
            data["text"] = uploaded
        elif not pasted.strip():
            self.add_error("text", "Paste the op-ed's text or upload a .txt file.")
        text = data.get("text") or ""
        limit = settings.SOURCE_MAX_CHARS
        if len(text) > limit:
            self.add_error("text", f"The text is {len(text):,} characters; the limit is {limit:,}.")
        elif text:
            try:
                validate_clean_text(text)
                VisibleText("text")(text)
            except ValidationError as error:
                self.add_error("text", error)
        return data


RELATION_CHOICES = [(Relation.Kind.SUPPORTS, "supports"), (Relation.Kind.OPPOSES, "opposes")]
KIND_CHOICES = [(Kind.CLAIM, "Claim"), (Kind.EVIDENCE, "Evidence (a quote from a source)"), (Kind.POSITION, "Position")]


def node_label(node, numbers: dict[int, str], *, length: int = 90) -> str:
    """A box as a choice in a picker: its outline number (numbering.number_of), kind, text
    (cut to `length`) and, off the map, its status: "1.2 Claim: ..." or "(new) Claim: ... [pending]"."""
    text = numbering.short(node.text, length)
    status = "" if node.status == "approved" else f" [{node.get_status_display().lower()}]"
    return f"{numbering.number_of(node, numbers)} {node.get_kind_display()}: {text}{status}"


def box_choices(nodes, numbers: dict[int, str], *, length: int = 90) -> list[tuple[int, str]]:
    """A picker's choices, (pk, node_label()), in the outline's order (numbering.outline_order())."""
    return [(n.pk, node_label(n, numbers, length=length)) for n in numbering.outline_order(nodes, numbers)]


class NodeForm(forms.Form):
    """A new position, claim or evidence, attached to one node of the map."""

    kind = forms.ChoiceField(choices=KIND_CHOICES, label="What are you adding?")
    relation = forms.ChoiceField(choices=RELATION_CHOICES, label="It")
    target = forms.TypedChoiceField(coerce=int, label="this box on the map")
    source = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Quote from")
    quote = QuoteField(
        required=False,
        help_text="Exactly as the op-ed has it. Select it on the source's page to fill this in.",
        offsets=("id_start", "id_end"),
    )
    text = StatementField(
        label="Statement",
        help_text=f"One short statement, at most {NODE_TEXT_MAX} characters. For evidence: what the quote shows.",
    )
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    # The task this contribution is made for (debates.teaching.tasks), if any.
    task = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, targets=(), sources=(), numbers=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = box_choices(targets, numbers or {})
        self.fields["source"].choices = [("", "(no quote)")] + [(s.pk, s.title) for s in sources]

    def clean(self):
        data = super().clean()
        quote = (data.get("quote") or "").strip()
        # A quote refused for its length or characters is not missing: one message says what is wrong.
        if data.get("kind") == Kind.EVIDENCE and not quote and "quote" not in self.errors:
            self.add_error("quote", "Evidence needs a quote from one of the debate's sources.")
        if quote and not data.get("source"):
            self.add_error("source", "Say which source the quote is from.")
        if (data.get("start") is None) != (data.get("end") is None):
            self.add_error("quote", "Select the passage again: its position was lost.")
        return data


class UndercutForm(forms.Form):
    """An objection to a supports arrow: why the one box does not show the other."""

    text = StatementField(
        label="Why does it not show it?", help_text=f"One short statement, at most {NODE_TEXT_MAX} characters."
    )


class NodeEditForm(forms.Form):
    text = StatementField(label="Statement")
    quote = QuoteField(required=False, help_text="Exactly as the op-ed has it.")


class RelationForm(forms.Form):
    """A new arrow between two nodes already on the map."""

    source = forms.TypedChoiceField(coerce=int, label="This box")
    kind = forms.ChoiceField(choices=RELATION_CHOICES, label="It")
    target = forms.TypedChoiceField(coerce=int, label="that box")

    def __init__(self, *args, nodes=(), numbers=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = box_choices([n for n in nodes if n.kind != Kind.QUESTION], numbers or {})
        self.fields["target"].choices = box_choices(nodes, numbers or {})

    def clean(self):
        data = super().clean()
        if data.get("source") is not None and data.get("source") == data.get("target"):
            self.add_error("target", "A node cannot support or oppose itself.")
        return data


DECISIONS = [("approved", "Approve"), ("rejected", "Reject"), ("returned", "Return for revision")]


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=DECISIONS)
    reason = forms.ChoiceField(choices=[("", "(reason)")] + Reason.choices, required=False)
    note = CleanCharField(noun="note", required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    text = CleanCharField(
        noun="edited text",
        required=False,
        max_length=NODE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Edited text",
    )


class DebateOpenForm(forms.Form):
    is_open = forms.TypedChoiceField(choices=[("0", "close"), ("1", "reopen")], coerce=lambda v: v == "1")


class DebateStandingForm(forms.Form):
    show_standing = forms.TypedChoiceField(choices=[("0", "hide"), ("1", "show")], coerce=lambda v: v == "1")


class QueueFilterForm(forms.Form):
    """The moderation queue's filters, read from the query string; each is optional. The
    student and debate choices are the teacher's own (moderation.queue_students and the
    debates they moderate, loaded with their group copy: a copy is named by its group), so
    that a name from another class is refused, not searched."""

    AGES = [("", "Any time"), ("1", "More than a day"), ("3", "More than 3 days"), ("7", "More than a week")]

    student = forms.ChoiceField(required=False, label="Student")
    debate = forms.ChoiceField(required=False, label="Debate")
    kind = forms.ChoiceField(required=False, label="Kind")
    older_than = forms.TypedChoiceField(required=False, choices=AGES, coerce=int, empty_value=None, label="Waiting")
    since = forms.DateField(
        required=False, label="Submitted since", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, students=(), debates=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [("", "Every student"), *((name, name) for name in students)]
        self.fields["debate"].choices = [("", "Every debate"), *((d.slug, d.named(80)) for d in debates)]
        self.fields["kind"].choices = [("", "Every kind"), *kinds]


# The workflow's argument names that the forms spell differently (as in the query string).
FIELD_NAMES = {"relation_kind": "relation"}


def add_refusal(form, error: ValidationError) -> None:
    """Show a workflow's refusal (errors.ModerationError and kin) on the form: under the field
    it names when the form has that field, at the top otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, problems in error.message_dict.items():
        field = FIELD_NAMES.get(field, field)
        form.add_error(field if field in form.fields else None, problems)


def safe_next(request, default: str) -> str:
    """Where to go after a form: its `next` (POST, else the query string) when it is a path or
    URL of this site, `default` otherwise, so that no link can send a user off-site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default

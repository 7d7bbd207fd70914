"""Which user names may be taken: none that mixes scripts or that reads like a name already
taken (`ѕtudent1` with a Cyrillic `ѕ` beside `student1`, or `Student1` beside it).

Uses the confusable_homoglyphs library (Unicode's confusables.txt and Scripts.txt, UTS #39),
as django-registration does in its validate_confusables; the comparison with existing names
is ours: a name is reduced to a skeleton (NFKC, each character that Unicode lists as
confusable with an ASCII one replaced by it, case folded) and refused if another user's
name has the same skeleton.
"""

import unicodedata

from confusable_homoglyphs import confusables
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Length

MIXED_SCRIPTS = (
    "This user name mixes letters of different alphabets (for example Latin and Cyrillic), "
    "which makes it look like someone else's. Use letters of one alphabet."
)
LOOKS_TAKEN = "This user name looks the same as one already taken. Choose a clearly different one."


def skeleton(username: str) -> str:
    """What a name looks like: NFKC, confusable characters as their ASCII look-alike, case folded."""
    out = []
    for ch in unicodedata.normalize("NFKC", username):
        if not ch.isascii():
            found = confusables.is_confusable(ch, greedy=True) or []
            ascii_twins = [h["c"] for entry in found for h in entry["homoglyphs"] if h["c"].isascii()]
            if ascii_twins:
                ch = ascii_twins[0]
        out.append(ch)
    return "".join(out).casefold()


def validate_username(username: str, *, user_pk: int | None = None) -> None:
    """Refuse a user name that mixes scripts or that looks like another user's (not user_pk's).
    Raises ValidationError({"username": [...]})."""
    name = unicodedata.normalize("NFKC", username or "")
    if confusables.is_mixed_script(name):
        raise ValidationError({"username": [ValidationError(MIXED_SCRIPTS, code="mixed_scripts")]})
    shape = skeleton(name)
    # Skeletons are not stored: compare with the names of the same length (a look-alike
    # swaps characters one for one), in Python.
    others = (
        get_user_model()
        .objects.annotate(name_length=Length("username"))
        .filter(name_length=len(name))
        .exclude(pk=user_pk)
        .values_list("username", flat=True)
    )
    if any(skeleton(other) == shape for other in others.iterator()):
        raise ValidationError({"username": [ValidationError(LOOKS_TAKEN, code="confusable")]})

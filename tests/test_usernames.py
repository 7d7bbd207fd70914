"""User names that look like another's, or that mix alphabets, are refused wherever a user is
made: sign-up, the create_teacher command and the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from debates import usernames
from tests.factories import make_user

CYRILLIC_S = "\u0455"  # ѕ, which Unicode lists as confusable with Latin s


def _signup(client, classroom, username):
    return client.post(
        reverse("signup"),
        {
            "code": classroom.join_code,
            "username": username,
            "password1": "a-strong-pass-77",
            "password2": "a-strong-pass-77",
        },
    )


@pytest.mark.parametrize(
    "name, message",
    [
        (f"{CYRILLIC_S}tudent", usernames.MIXED_SCRIPTS),  # mixes Cyrillic and Latin
        ("\u0455\u0441\u043e\u0440\u0435", usernames.LOOKS_TAKEN),  # all Cyrillic, reads "scope"
        # Case alone, and full-width letters (NFKC): Django's own check says so first.
        ("SCOPE", "A user with that username already exists."),
        ("\uff53\uff43\uff4f\uff50\uff45", "A user with that username already exists."),
    ],
)
def test_signup_refuses_a_look_alike_user_name_naming_the_field(client, classroom, name, message):
    make_user("scope")
    response = _signup(client, classroom, name)
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == [message]
    assert get_user_model().objects.count() == 4  # teacher, two students, scope


def test_signup_refuses_a_cyrillic_twin_of_an_existing_name(client, classroom, student):
    response = _signup(client, classroom, f"{CYRILLIC_S}tudent")
    assert response.status_code == 400
    assert "username" in response.context["form"].errors


@pytest.mark.parametrize("name", ["amina", "امینہ", "Ольга", "student_2", "李明"])
def test_names_in_one_alphabet_unlike_any_other_are_welcome(client, classroom, name):
    response = _signup(client, classroom, name)
    assert response.status_code == 302, response.context["form"].errors
    assert get_user_model().objects.filter(username=name).exists()


def test_create_teacher_refuses_a_look_alike(db, student):
    with pytest.raises(CommandError, match="username: This user name looks the same"):
        call_command("create_teacher", "Student", "--password", "a-strong-pass-77")
    with pytest.raises(CommandError, match="username: This user name mixes"):
        call_command("create_teacher", f"{CYRILLIC_S}cope", "--password", "a-strong-pass-77")
    assert not get_user_model().objects.filter(username="Student").exists()


def test_the_admin_refuses_a_look_alike_when_adding_or_renaming(client, db, student):
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    client.force_login(admin)
    added = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": f"{CYRILLIC_S}tudent",
            "password1": "a-strong-pass-77",
            "password2": "a-strong-pass-77",
            "usable_password": "true",
        },
    )
    assert added.status_code == 200
    assert added.context["adminform"].form.errors["username"] == [usernames.MIXED_SCRIPTS]
    other = make_user("teacher2")
    page = client.get(reverse("admin:auth_user_change", args=[other.pk]))
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None and k != "password"}
    data.update(
        username="Student", date_joined_0="2026-01-01", date_joined_1="00:00:00", groups=[], user_permissions=[]
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    renamed = client.post(reverse("admin:auth_user_change", args=[other.pk]), data)
    assert renamed.status_code == 200
    assert renamed.context["adminform"].form.errors["username"] == [usernames.LOOKS_TAKEN]

"""Logging in and out, signing up with a join code, and login throttling by user name; user names
that look like another's, or that mix alphabets, are refused wherever a user is made: sign-up,
the create_teacher command and the admin."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from debates import usernames
from debates.models import Membership
from tests.factories import PASSWORD, make_user, messages_of


def _login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def test_login_page_is_at_accounts_login(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_student_logs_in_and_lands_home(client, student):
    response = _login(client, "student")
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = client.get("/")
    assert response.context["user"] == student
    assert "Welcome back, student." in messages_of(response)


def test_login_follows_a_local_next(client, student):
    response = _login(client, "student", next="/me/contributions/")
    assert response["Location"] == "/me/contributions/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "https:evil.example", "javascript:alert(1)"]
)
def test_login_refuses_to_redirect_off_site(client, student, target):
    response = _login(client, "student", next=target)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_is_a_form_error_not_a_500(client, student):
    response = _login(client, "student", password="nope")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert 'value="student"' in response.content.decode()


def test_logout_is_a_post(client, student):
    _login(client, "student")
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert not response.context["user"].is_authenticated
    assert "You are logged out." in messages_of(response)


def test_nav_offers_logout_as_a_form_and_teachers_get_moderation(client, teacher, student):
    _login(client, "student")
    page = client.get("/").content.decode()
    assert f'action="{reverse("logout")}"' in page
    assert reverse("debates:my-contributions") in page
    assert reverse("debates:moderation-queue") not in page
    client.post(reverse("logout"))
    _login(client, "teacher")
    assert reverse("debates:moderation-queue") in client.get("/").content.decode()


def test_student_signs_up_with_a_join_code_and_is_in_the_classroom(client, classroom):
    response = client.post(
        reverse("signup"),
        {
            "code": classroom.join_code.lower(),
            "username": "amina",
            "password1": "a-strong-pass-77",
            "password2": "a-strong-pass-77",
        },
        follow=True,
    )
    amina = get_user_model().objects.get(username="amina")
    assert Membership.objects.filter(user=amina, classroom=classroom, role="student").exists()
    assert response.context["user"] == amina
    assert f"Welcome, amina: you joined {classroom.name}." in messages_of(response)


def test_signup_with_a_wrong_code_creates_no_account_and_keeps_the_input(client, classroom):
    response = client.post(
        reverse("signup"),
        {"code": "NOPE2345", "username": "amina", "password1": "a-strong-pass-77", "password2": "a-strong-pass-77"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["No classroom has that join code. Check it with your teacher."]
    assert 'value="amina"' in response.content.decode()
    assert not get_user_model().objects.filter(username="amina").exists()


def test_signup_refuses_a_taken_user_name_and_mismatched_passwords(client, classroom, student):
    response = client.post(
        reverse("signup"),
        {
            "code": classroom.join_code,
            "username": "student",
            "password1": "a-strong-pass-77",
            "password2": "other-pass-77",
        },
    )
    errors = response.context["form"].errors
    assert "username" in errors and "password2" in errors


def test_signup_prefills_the_code_from_the_link(client, db):
    assert 'value="CIVICS10"' in client.get(reverse("signup") + "?code=CIVICS10").content.decode()


def test_signup_refuses_put(client, db):
    assert client.put(reverse("signup")).status_code == 405


def test_login_and_signup_refuse_a_post_without_csrf(classroom, student):
    client = Client(enforce_csrf_checks=True)
    assert _login(client, "student").status_code == 403
    response = client.post(
        reverse("signup"),
        {
            "code": classroom.join_code,
            "username": "amina",
            "password1": "a-strong-pass-77",
            "password2": "a-strong-pass-77",
        },
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="amina").exists()


def test_the_login_page_sets_a_csrf_token_that_works(classroom, student):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    response = _login(client, "student", csrfmiddlewaretoken=token)
    assert response.status_code == 302


# --- throttling ------------------------------------------------------------------------


def test_repeated_failures_lock_out_that_user_name_only(client, settings, student, other_student):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "student", password="wrong")
    response = _login(client, "student")  # the right password, too late
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    # A classmate behind the same school address is not locked out.
    other = Client()
    assert _login(other, "other_student").status_code == 302


def test_a_lockout_ends_after_the_cool_off(client, settings, student):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "student", password="wrong")
    assert _login(client, "student").status_code == 429
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.filter(username="student").update(
        attempt_time=AccessAttempt.objects.get(username="student").attempt_time - cool_off - timedelta(seconds=1)
    )
    assert _login(client, "student").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, settings, student):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "student", password="wrong")
    assert _login(client, "student").status_code == 302
    client.post(reverse("logout"))
    _login(client, "student", password="wrong")
    assert _login(client, "student").status_code == 302


def test_a_signed_in_user_is_sent_from_signup_to_joining(client, student):
    client.force_login(student)
    response = client.get(reverse("signup") + "?code=ABCD2345")
    assert response["Location"] == reverse("debates:classroom-join") + "?code=ABCD2345"


def test_a_csrf_failure_explains_itself(student):
    client = Client(enforce_csrf_checks=True)
    response = _login(client, "student")
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


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

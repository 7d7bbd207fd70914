"""python manage.py create_teacher USERNAME [--password ...]: make (or promote) a teacher account."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from debates import permissions, usernames


class Command(BaseCommand):
    help = "Create a teacher account (or make an existing user a teacher); prints a password if none is given."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="The new account's password; generated and printed if left out.")
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, *args, username: str, password: str | None, email: str, **options):
        User = get_user_model()
        teachers, _ = Group.objects.get_or_create(name=permissions.TEACHERS_GROUP)
        user = User.objects.filter(username=username).first()
        generated = False
        if user is None:
            user = User(username=username, email=email)
            try:
                user.full_clean(exclude=["password"])
                usernames.validate_username(user.username)
            except ValidationError as error:
                raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
            if not password:
                password, generated = secrets.token_urlsafe(12), True
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError("password: " + " ".join(error.messages)) from None
            user.set_password(password)
            user.save()
            self.stdout.write(self.style.SUCCESS(f"Created the teacher account '{username}'."))
        else:
            if password:
                try:
                    validate_password(password, user)
                except ValidationError as error:
                    raise CommandError("password: " + " ".join(error.messages)) from None
                user.set_password(password)
                user.save(update_fields=["password"])
            self.stdout.write(self.style.SUCCESS(f"'{username}' already exists; they are now a teacher."))
        user.groups.add(teachers)
        if generated:
            self.stdout.write(f"Password: {password}")

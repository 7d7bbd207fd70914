"""python manage.py import_map FILE --format aif|kialo|argdown|debate --debate SLUG
[--classroom ID] [--question TEXT] [--user USERNAME]"""

import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from debates import importing
from debates.interchange.model import FormatError, read_bytes
from debates.models import Classroom


class Command(BaseCommand):
    help = (
        "Import an argument map (AIF JSON, a Kialo export, Argdown or a Counterpoint debate file) as a new "
        "debate, approved, in one transaction: the whole map or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the map file ('-' for standard input)")
        parser.add_argument(
            "--format", dest="fmt", choices=importing.FORMATS, help="the file's format (default: guessed)"
        )
        parser.add_argument("--debate", dest="slug", required=True, help="the new debate's slug (must be new)")
        parser.add_argument("--classroom", type=int, help="the classroom's id (default: a public debate)")
        parser.add_argument("--question", default="", help="the debate's question (default: the file's)")
        parser.add_argument(
            "--user",
            help="the teacher recorded as importer, author and reviewer of everything imported (default: none: "
            "the import record's importer and every imported statement's author are left empty)",
        )

    def handle(self, *args, file, fmt, slug, classroom, question, user, **options):
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"--user: no user {user!r}.")
        room = None
        if classroom is not None:
            room = Classroom.objects.filter(pk=classroom).first()
            if room is None:
                raise CommandError(f"--classroom: no classroom {classroom}.")
        data = self._read(file)
        fmt = fmt or importing.detect_format(data[:4096])
        try:
            argument_map = importing.read_upload(data, fmt)
            summary = importing.summarize(argument_map, fmt, question=question)
            debate = importing.map_import(
                argument_map=argument_map,
                fmt=fmt,
                imported_by=importer,
                slug=slug,
                classroom=room,
                question=question,
                filename=Path(file).name if file != "-" else "",
                data=data,
            )
        except ValidationError as error:
            raise CommandError(_message(error)) from None
        for warning in summary.warnings:
            self.stderr.write(f"Warning: {warning}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {_count(summary.statements, 'statement')}, {_count(summary.relations, 'relation')}, "
                f"{_count(summary.undercuts, 'undercut')}, {_count(summary.sources, 'source')} ({fmt}) "
                f"as /debates/{debate.slug}/."
            )
        )

    def _read(self, file: str) -> bytes:
        try:
            if file == "-":
                return read_bytes(sys.stdin.buffer, max_bytes=settings.IMPORT_MAX_BYTES)
            with open(file, "rb") as handle:
                return read_bytes(handle, max_bytes=settings.IMPORT_MAX_BYTES)
        except FormatError as error:
            raise CommandError(f"{file}: {error}") from None
        except OSError as error:
            raise CommandError(f"{file}: cannot read it: {error.strerror}.") from None


def _count(number: int, noun: str) -> str:
    """'1 undercut', '2 undercuts', '1,200 statements'."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)

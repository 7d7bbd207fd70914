"""python manage.py import_source FILE --title ... [--author --outlet --date --url --debate SLUG]"""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from debates import classrooms
from debates.models import Debate


class Command(BaseCommand):
    help = "Import a UTF-8 text file as a Source (an op-ed), optionally attaching it to a debate."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of a UTF-8 .txt file holding the article text")
        parser.add_argument("--title", required=True)
        parser.add_argument("--author", default="")
        parser.add_argument("--outlet", default="")
        parser.add_argument("--date", default="", help="publication date, YYYY-MM-DD")
        parser.add_argument("--url", default="")
        parser.add_argument("--debate", default="", help="slug of a debate to add the source to")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"file: {path} does not exist or is not a file.")
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CommandError(
                f"file: {path} is not UTF-8 text (byte {error.start}); save it as UTF-8 and retry."
            ) from None
        if not text.strip():
            raise CommandError(f"file: {path} is empty.")
        published = None
        if options["date"]:
            try:
                published = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date: {options['date']!r} is not a date in the form YYYY-MM-DD.") from None
        debate = None
        if options["debate"]:
            debate = Debate.objects.filter(slug=options["debate"]).first()
            if debate is None:
                raise CommandError(f"--debate: no debate has the slug {options['debate']!r}.")
        try:
            # The debate is attached by the workflow, in the same transaction, so that the
            # debate's map revision is raised and its cached exports list the new source.
            passed_on = {name: options[name] for name in ("title", "author", "outlet", "url")}
            source = classrooms.source_add(added_by=None, text=text, published=published, debate=debate, **passed_on)
        except ValidationError as error:
            raise CommandError(_describe(error)) from None
        self.stdout.write(f"Imported source #{source.pk}: {source.title} ({len(source.text):,} characters).")


def _describe(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)

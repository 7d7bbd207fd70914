"""python manage.py export_map <slug> --format svg|png|pdf|dot|aif|argdown|kialo|graphml|debate -o FILE
[--focus ID --depth N] [--paper a4|a3|letter]"""

from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError

from debates.interchange import kialo
from debates.maps import cache, data, dot, exchange, handout, judging, runner
from debates.models import Debate


class Command(BaseCommand):
    help = "Export a debate's map (approved content only, as a visitor sees it) to a file."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the debate's slug, as in /debates/<slug>/")
        parser.add_argument(
            "--format",
            dest="fmt",
            default="svg",
            help="svg, png, pdf or dot (drawings); aif, argdown, kialo, graphml or debate (maps for other tools); "
            "default svg",
        )
        parser.add_argument("-o", "--output", required=True, help="the file to write ('-' for standard output)")
        parser.add_argument("--focus", type=int, help="draw only the neighbourhood of this node id")
        parser.add_argument(
            "--depth", type=int, help=f"how many arrows from the focus (default {dot.DEFAULT_FOCUS_DEPTH})"
        )
        parser.add_argument(
            "--paper", help=f"the PDF handout's paper: {', '.join(handout.PAPERS)} (default {handout.DEFAULT_PAPER})"
        )

    def handle(self, *args, slug, fmt, output, focus, depth, paper, **options):
        if fmt not in runner.FORMATS and fmt not in exchange.SUFFIXES:
            known = ", ".join([*runner.FORMATS, *exchange.SUFFIXES])
            raise CommandError(f"--format: unknown format {fmt!r}; choose one of {known}.")
        if paper is not None and fmt != "pdf":
            raise CommandError("--paper: only the PDF handout (--format pdf) is printed on paper.")
        try:
            paper = handout.paper_named(paper).name
        except ValueError as error:
            raise CommandError(f"--{error}") from None
        if depth is not None and not 0 <= depth <= dot.MAX_FOCUS_DEPTH:
            raise CommandError(f"--depth: must be from 0 to {dot.MAX_FOCUS_DEPTH}.")
        debate = Debate.objects.filter(slug=slug).first()
        if debate is None:
            raise CommandError(f"No debate with the slug {slug!r}.")
        map_data = data.load_map(debate, AnonymousUser())
        if fmt in exchange.SUFFIXES:
            if focus is not None or depth is not None:
                raise CommandError("--focus and --depth are for drawings; a map file holds the whole debate.")
            sources = data.load_sources(debate)
            content = exchange.export_text(map_data, sources, fmt).encode()
            if fmt == "kialo":  # say what a Kialo discussion cannot hold, or holds as something else
                for note in kialo.unwritten(exchange.argument_map(map_data, sources)):
                    self.stderr.write(f"Note: {note}")
            return self._write(output, content, fmt)
        if focus is not None and map_data.node(focus) is None:
            raise CommandError(f"--focus: node {focus} is not an approved node of this debate.")
        try:
            if fmt == "pdf":
                options = {"title": debate.question, "focus": focus, "depth": depth, "show_pending": False}
                digest = handout.digest(map_data, paper=paper, **options)
                content = cache.rendered_handout(digest, map_data, paper=paper, **options)
            else:
                badges = judging.assess_map(map_data)[1] if debate.show_standing else None
                dot_text = dot.build_dot(map_data, title=debate.question, focus=focus, depth=depth, standing=badges)
                content = cache.rendered(dot_text, fmt)
        except runner.RenderError as error:
            raise CommandError(str(error)) from None
        return self._write(output, content, fmt)

    def _write(self, output: str, content: bytes, fmt: str) -> None:
        if output == "-":
            self.stdout.buffer.write(content) if hasattr(self.stdout, "buffer") else self.stdout.write(content.decode())
            return
        try:
            Path(output).write_bytes(content)
        except OSError as error:
            raise CommandError(f"-o: cannot write {output}: {error.strerror}.") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {output} ({len(content):,} bytes, {fmt})."))

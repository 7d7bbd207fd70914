"""python manage.py load_demo: the seed debate from the two op-eds, with demo accounts.

Built through classrooms.py and moderation.py, as a teacher and two students would have built it by hand.
Idempotent: if the demo debate exists, nothing is changed.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from debates import classrooms, moderation, permissions
from debates.demo import content
from debates.models import Classroom, Debate, Kind, Membership

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"

# Demo credentials, printed on every run; they are for a local demo only.
ACCOUNTS = [
    # (user name, password, role)
    ("admin", "counterpoint-admin", "admin"),
    ("teacher", "counterpoint-teacher", "teacher"),
    ("student1", "counterpoint-student1", "student"),
    ("student2", "counterpoint-student2", "student"),
]
CLASSROOM_NAME = "Civics 10B"
CLASSROOM_CODE = "CIVICS10"


def ordered_nodes(nodes: list[dict], relations: list[tuple]) -> list[tuple[dict, tuple | None]]:
    """Each node with the relation that attaches it, in an order where its target already exists."""
    first_link = {}
    for relation in relations:
        first_link.setdefault(relation[0], relation)
    done, ordered, remaining = {"question"}, [], list(nodes)
    while remaining:
        ready = [n for n in remaining if n["key"] not in first_link or first_link[n["key"]][1] in done]
        if not ready:
            raise ValueError("The demo relations form a cycle or name a missing node.")
        for node in ready:
            ordered.append((node, first_link.get(node["key"])))
            done.add(node["key"])
            remaining.remove(node)
    return ordered


class Command(BaseCommand):
    help = "Load the demo debate (Pakistan's answer to the TTP) with demo accounts; safe to run again."

    def handle(self, *args, **options):
        users = self._accounts()
        if Debate.objects.filter(slug=content.SLUG).exists():
            self.stdout.write(f"The demo debate '{content.SLUG}' is already loaded; nothing changed.")
        else:
            self._build(users)
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo debate '{content.SLUG}'."))
        self.stdout.write("Demo accounts (user name / password):")
        for username, password, role in ACCOUNTS:
            self.stdout.write(f"  {role:8} {username:10} {password}")
        self.stdout.write(f"Demo classroom '{CLASSROOM_NAME}', join code {CLASSROOM_CODE}.")

    @transaction.atomic
    def _accounts(self) -> dict:
        User = get_user_model()
        teachers, _ = Group.objects.get_or_create(name=permissions.TEACHERS_GROUP)
        users = {}
        for username, password, role in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, is_staff=role == "admin", is_superuser=role == "admin")
                user.set_password(password)
                user.save()
                if role == "teacher":
                    user.groups.add(teachers)
            users[username] = user
        return users

    @transaction.atomic
    def _build(self, users: dict) -> None:
        teacher = users["teacher"]
        classroom = Classroom.objects.filter(join_code=CLASSROOM_CODE).first()
        if classroom is None:
            classroom = classrooms.classroom_create(teacher=teacher, name=CLASSROOM_NAME)
            classroom.join_code = CLASSROOM_CODE
            classroom.save(update_fields=["join_code"])
        for name in ("student1", "student2"):
            classrooms.classroom_join(user=users[name], code=CLASSROOM_CODE)
        Membership.objects.get_or_create(classroom=classroom, user=teacher, defaults={"role": Membership.Role.TEACHER})
        permissions.forget_roles(teacher)

        debate = classrooms.debate_create(
            created_by=teacher,
            question=content.QUESTION,
            description=content.DESCRIPTION,
            slug=content.SLUG,
            classroom=classroom,
        )
        sources = {}
        for key, meta in content.SOURCES.items():
            sources[key] = classrooms.source_add(
                added_by=teacher,
                title=meta["title"],
                text=(DEMO_DIR / meta["file"]).read_text(encoding="utf-8"),
                author=meta["author"],
                outlet=meta["outlet"],
                published=meta["published"],
                url=meta["url"],
                debate=debate,
            )

        made = {"question": debate.nodes.get(kind=Kind.QUESTION)}
        attached = set()
        for spec, link in ordered_nodes(content.NODES, content.RELATIONS):
            made[spec["key"]] = self._submit(debate, teacher, spec, link, made, sources)
            if link:
                attached.add(link)
        for relation in content.RELATIONS:
            if relation not in attached:
                moderation.relation_submit(
                    author=teacher, source=made[relation[0]], target=made[relation[1]], kind=relation[2]
                )
        for spec in content.PENDING:
            link = (None, spec["target"], spec["relation"])
            self._submit(debate, users[spec["author"]], spec, link, made, sources)

    def _submit(self, debate, author, spec, link, made, sources):
        quote = None
        if spec.get("quote"):
            source_key, passage = spec["quote"]
            quote = moderation.QuoteInput(source=sources[source_key], text=passage)
        return moderation.node_submit(
            debate=debate,
            author=author,
            kind=spec["kind"],
            text=spec["text"],
            quote=quote,
            target=made[link[1]] if link else None,
            relation_kind=link[2] if link else "supports",
        )

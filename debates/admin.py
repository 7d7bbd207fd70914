"""The Django admin for every model; decisions go through moderation.py like everywhere else."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import User

from debates import forms, models, moderation
from debates.maps import cache as maps_cache


def _decide(modeladmin, request, queryset, action: str, reason: str = "", note: str = ""):
    decided, problems = moderation.items_bulk_decide(
        items=queryset.select_related("debate"), moderator=request.user, action=action, reason=reason, note=note
    )
    if decided:
        modeladmin.message_user(request, f"{decided} item(s) {action}.", messages.SUCCESS)
    for problem in problems:
        modeladmin.message_user(request, problem, messages.WARNING)


@admin.action(description="Approve selected pending items")
def approve(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, models.Action.APPROVED)


@admin.action(description="Reject selected pending items (unrelated)")
def reject_unrelated(modeladmin, request, queryset):
    reason = models.Reason.UNRELATED
    _decide(modeladmin, request, queryset, models.Action.REJECTED, reason=reason, note="Rejected from the admin.")


class VisibleOnlyAdmin(admin.ModelAdmin):
    """Lists what the site shows this user (everything, withdrawn work included, for a
    superuser): a staff member who is not a superuser sees no more here than on the pages."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.visible_to(request.user)


class MapDataAdmin(admin.ModelAdmin):
    """An edit here changes what maps draw: their cached drawings go out of date at once, as
    after any change made through moderation.py."""

    def map_debate_ids(self, obj) -> list[int]:
        return [obj.debate_id]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        maps_cache.map_changed(*self.map_debate_ids(form.instance))

    def delete_model(self, request, obj):
        debate_ids = self.map_debate_ids(obj)
        super().delete_model(request, obj)
        maps_cache.map_changed(*debate_ids)

    def delete_queryset(self, request, queryset):
        debate_ids = [pk for obj in queryset for pk in self.map_debate_ids(obj)]
        super().delete_queryset(request, queryset)
        maps_cache.map_changed(*debate_ids)


class QuoteInline(admin.StackedInline):
    model = models.Quote
    extra = 0
    raw_id_fields = ["source"]


@admin.register(models.Node)
class NodeAdmin(VisibleOnlyAdmin, MapDataAdmin):
    list_display = ["pk", "kind", "short_text", "debate", "author", "status", "created_at"]
    list_filter = ["status", "kind", "debate"]
    search_fields = ["text"]
    raw_id_fields = ["debate", "author", "reviewed_by"]
    # Status changes only through the actions, so that every decision is logged.
    readonly_fields = ["status", "reviewed_by", "reviewed_at"]
    inlines = [QuoteInline]
    actions = [approve, reject_unrelated]
    list_select_related = ["debate", "author"]

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]


@admin.register(models.Relation)
class RelationAdmin(VisibleOnlyAdmin, MapDataAdmin):
    list_display = ["pk", "source", "kind", "target", "target_relation", "author", "status"]
    list_filter = ["status", "kind", "debate"]
    raw_id_fields = ["debate", "source", "target", "target_relation", "author", "reviewed_by"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at"]
    actions = [approve, reject_unrelated]
    list_select_related = ["source", "target", "target_relation", "author"]


@admin.register(models.Source)
class SourceAdmin(VisibleOnlyAdmin, MapDataAdmin):
    list_display = ["title", "author", "outlet", "published"]
    search_fields = ["title", "author", "outlet"]
    raw_id_fields = ["added_by"]

    def map_debate_ids(self, obj):
        return list(obj.debates.values_list("pk", flat=True))


@admin.register(models.Debate)
class DebateAdmin(VisibleOnlyAdmin):
    list_display = ["slug", "question", "classroom", "is_open", "created_at"]
    list_filter = ["is_open"]
    prepopulated_fields = {"slug": ["question"]}
    filter_horizontal = ["sources"]
    raw_id_fields = ["created_by"]

    def save_related(self, request, form, formsets, change):
        """Its question and its sources are drawn (a deleted debate takes its revision along)."""
        super().save_related(request, form, formsets, change)
        maps_cache.map_changed(form.instance.pk)


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(models.Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["name", "join_code", "created_at"]
    inlines = [MembershipInline]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "classroom", "role", "joined_at"]
    list_filter = ["role"]
    raw_id_fields = ["user", "classroom"]


@admin.register(models.Quote)
class QuoteAdmin(MapDataAdmin):
    list_display = ["node", "source", "start", "end"]
    raw_id_fields = ["node", "source"]

    def map_debate_ids(self, obj):
        return [obj.node.debate_id]

    def get_queryset(self, request):
        # A quote is seen with its node.
        return super().get_queryset(request).filter(node__in=models.Node.objects.visible_to(request.user))


@admin.register(models.ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """Who imported which map file: a record, read-only like the moderation log."""

    list_display = ["debate", "format", "filename", "imported_by", "statements", "relations", "created_at"]
    list_select_related = ["debate", "imported_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ["created_at", "actor", "action", "reason", "item_label"]
    list_filter = ["action", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Users: the auth admin, with the user-name rule every other way of making a user follows.


class UserCreationAdminForm(AdminUserCreationForm):
    def clean_username(self):
        username = super().clean_username()
        forms.validate_username_field(username)
        return username


class UserChangeAdminForm(UserChangeForm):
    def clean_username(self):
        username = self.cleaned_data["username"]
        if username != self.instance.username:
            forms.validate_username_field(username, user_pk=self.instance.pk)
        return username


admin.site.unregister(User)


@admin.register(User)
class CounterpointUserAdmin(UserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm

"""A teacher's tools: activity per student, feedback and grades, tasks, notifications and
group copies. Models live in debates/models.py; the moderation workflow calls
notifications.on_decision() and notifications.on_submitted(), and nothing else here."""

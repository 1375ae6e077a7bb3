"""SLA: deadlines on the production calendar, reminders, overdue, escalation."""

"""The audit trail's pages and API, for the audit administrator (审计管理员). Read-only."""

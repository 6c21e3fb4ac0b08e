"""Users, roles, login, API tokens (用户与权限)."""

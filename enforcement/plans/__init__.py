"""Annual inspection plans (年度监督检查计划)."""

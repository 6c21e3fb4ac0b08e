"""Enterprise registry and risk classification (企业库 + 分类分级)."""

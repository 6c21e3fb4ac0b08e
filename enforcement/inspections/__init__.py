"""现场检查 — on-site inspections, hazards, rectification and re-checks, and leads (线索)."""

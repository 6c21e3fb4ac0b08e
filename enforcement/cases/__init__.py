"""行政处罚案件: the case register, its workflow, deadlines, violations and discretion."""

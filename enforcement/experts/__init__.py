"""Expert pool (专家库)."""

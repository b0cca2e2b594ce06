"""slides layer."""

"""Shipped theme models (data, not code). Installed as `feedback.models`; see models/README.md."""

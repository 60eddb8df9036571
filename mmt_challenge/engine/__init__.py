"""Training and distributed-run helpers (model wrappers, launch setup)."""

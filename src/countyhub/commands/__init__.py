"""Command-line entry points, one module per command family; each imports its heavy parts lazily."""

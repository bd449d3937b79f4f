"""Benchmarks that run countyhub and its peers side by side and print ratios (`make bench`)."""

"""Ports: the interfaces services need, implemented by adapters and wired in bootstrap."""

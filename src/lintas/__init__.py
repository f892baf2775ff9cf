"""Lintas: a hub linking Southeast Asia's instant payment systems."""

__version__ = "0.1.0"

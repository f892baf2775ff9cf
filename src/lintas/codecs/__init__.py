"""Lintas."""

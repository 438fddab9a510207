"""Helpers of the mapping tests."""

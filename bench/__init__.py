"""Throughput of the API against a bare DRF endpoint (SPEC §14). Run ``python -m bench``."""

"""Preparation of ovspeech's default model set from pinned registry packages (see prepare.py)."""

"""Redesign search with Optuna (the only package that imports Optuna)."""

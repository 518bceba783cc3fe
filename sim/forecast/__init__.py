"""Forecasts of the outcome: bargaining solutions and models as plug-ins, registered by name."""

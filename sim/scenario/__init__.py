"""Scenarios: the schema, reading YAML with line tracking, validation messages, inheritance and overrides."""

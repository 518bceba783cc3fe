"""The model: worlds as arrays, utilities, strategies, the proposer's problem, the Mesa model, records."""

"""Outputs read from records: colours, figures, the HTML report and text descriptions."""

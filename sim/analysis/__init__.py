"""Analysis of records on disk: results folders, statistics, summaries, drivers, comparison, ZOPA."""

"""Distributions: the kinds a file may name (:mod:`.priors`) and their CDFs and quantiles (:mod:`.inversion`)."""

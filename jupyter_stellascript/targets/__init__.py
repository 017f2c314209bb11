"""Target containers: a run that names ``target: {container: NAME_OR_ID}`` joins
that container's network namespace and nothing else of it (models.py: the
reference and /scripts/target.json; selection.py: which containers may be
targets, and for whom)."""

"""Fan-out: the per-process hub, and the feed that fills it from the projector or Redis."""

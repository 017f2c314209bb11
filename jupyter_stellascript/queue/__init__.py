"""The durable execution queue and its executors (embedded and `stellascript worker`)."""

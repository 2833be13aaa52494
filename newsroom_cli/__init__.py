"""The ``newsroom`` command: the composition root that wires settings to the application and the server."""

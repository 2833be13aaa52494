"""Server-rendered pages: the reader page, the front page, the editor desk, the auditor view, and feeds."""

"""What the pages show, gathered through the backend: one module per kind of content."""

"""What the build writes beside the dumps: tidy tables and their SQLite file, the search
index, the JSON-LD context, and the counts of the build report."""

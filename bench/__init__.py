"""`make bench`: speed and memory measured side by side with each piece's peer."""

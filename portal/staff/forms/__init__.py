"""The back office's forms, one module per area of the back office (the route module of the
same name uses it)."""

"""Facts recorded against real AWS, transcribed into JSON by us (see each file's `source`)."""

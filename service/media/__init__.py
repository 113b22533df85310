"""The media library: images checked by their bytes, a storage interface, the library rows."""

"""The process and its files: streams, bounded reads, atomic writes, paths, exit."""

"""What the user typed, read and validated into request objects (one module per command)."""

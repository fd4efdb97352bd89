"""Shop decoration: theme tokens, typed blocks, versioned pages, preview and publish."""

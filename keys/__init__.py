"""keys: key ceremony helpers, key storage encrypted at rest, fingerprints."""

"""YAML -> validated policy -> pure decisions. No I/O beyond reading the rules file,
never the clock: `now`/`today` is always passed in."""

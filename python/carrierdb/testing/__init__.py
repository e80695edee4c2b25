"""What carrierdb's pytest plugin (carrierdb.pytest_plugin) is built from, one job per module:

  server       a throwaway PostgreSQL started from the local server binaries, on tmpfs
  owners       names of test databases that say which process owns them; the stale sweep
  templates    migrated (and seeded) template databases keyed by the project files' checksums
  clone_pool   databases cloned from templates ahead of need, dropped after use, in the background
  session      one test session's (one xdist worker's) server, templates, pools and transactions
  urls         pointing a server URL at another database
"""

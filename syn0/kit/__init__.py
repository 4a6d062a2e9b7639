"""The shared kit of every domain: errors, problem replies, paging, sessions, lookups."""

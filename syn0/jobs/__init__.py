"""Jobs: submit, validate, follow, cancel; the train task and its recovery (reaper)."""

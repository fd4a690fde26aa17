"""Control-panel views: thin (validate → call a service → render), gated by access.TABLE."""

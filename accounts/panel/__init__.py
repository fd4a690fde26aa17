"""The customer control panel: one access table by back-end status (DESIGN §2), thin views."""

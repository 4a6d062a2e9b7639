"""Workers as they report themselves: who is present, on which device."""

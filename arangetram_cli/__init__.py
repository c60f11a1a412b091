"""arangetram: plan an Arangetram (a Bharatanatyam debut recital) from the terminal."""

__version__ = "0.1.0"
